"""Shared by the demos: render a list of graphs with viz, tolerating a missing renderer, and
take a headless-Chromium picture of a page."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def draw_all(items, out: Path):
    """items: (name, root, forward or None); writes out/name.svg (or at least out/name.gv)."""
    try:
        import viz
    except ImportError as e:
        print(f"\n(viz is not available: {e}; no drawings)")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, root, forward in items:
        try:
            path = viz.render(viz.draw(root, forward=forward, title=name.replace("_", " ")),
                              out / name, format="svg")
        except Exception as e:  # a missing renderer still leaves the .gv file
            print(f"  {name}: {e}")
        else:
            print(f"  drew {path}")


def render_or_gv(digraph, stem: Path) -> str:
    """Render to stem.svg and return its path; without a renderer, the .gv written and why."""
    import viz
    try:
        return str(viz.render(digraph, stem, format="svg"))
    except Exception as e:  # no renderer: the .gv file is still written
        return f"{stem.with_suffix('.gv')} ({e})"


def screenshot(html, png, size="900,620", fragment="#click=next"):
    """A headless-Chromium picture of ``html`` (a stepper page; ``fragment`` picks its frame)
    at ``size`` pixels; without Chromium the old picture is kept."""
    from viz.pdf import HEADLESS, find_chromium
    chromium = find_chromium()
    if chromium is None:
        print(f"no chromium: kept {png.name} as it was")
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *HEADLESS, "--hide-scrollbars", f"--user-data-dir={profile}",
                        f"--window-size={size}", f"--screenshot={png}", f"file://{html}{fragment}"],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {png}")
