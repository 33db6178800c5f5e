"""Two interleaving half-moons made with numpy (no scikit-learn)."""

from __future__ import annotations

import numpy as np


def make_moons(n=100, noise=0.1, seed=0):
    """X: (n, 2) float64 points, y: (n,) labels in {-1, +1} (upper moon -1, lower moon +1)."""
    rng = np.random.default_rng(seed)
    n_top = n // 2
    n_bottom = n - n_top
    t_top = np.linspace(0, np.pi, n_top)
    t_bottom = np.linspace(0, np.pi, n_bottom)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([-np.ones(n_top), np.ones(n_bottom)])
    order = rng.permutation(n)
    return X[order], y[order]
