"""Drawings of autograd graphs and of backprop, step by step (Graphviz), and the CLI's helpers."""

# ruff: noqa: E402 (the engine check runs before the imports that need chainrule's autograd)
from .engine_check import require_chainrule_autograd

require_chainrule_autograd()  # before anything imports from autograd: one line if it is not ours

from . import derive as derive  # pixel-level derivations: viz.derive.derive(node)
from .draw import draw
from .mistakes import mistake  # the mistakes lab: a classic wrong backprop beside the right one
from .playback import Playback, playback
from .render import Drawing, RenderError, find_renderer, render, render_many
from .stepper import Frames, Stepper, draw_steps, save_stepper, stepper

__all__ = ["Drawing", "Frames", "Playback", "RenderError", "Stepper", "draw", "draw_steps", "find_renderer",
           "mistake", "playback", "render", "render_many", "save_stepper", "stepper"]
