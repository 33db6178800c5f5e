"""Drawings of autograd graphs and of backprop, step by step (Graphviz), and the CLI's helpers."""

from . import derive as derive  # pixel-level derivations: viz.derive.derive(node)
from .draw import draw
from .frames import Frames, draw_steps
from .playback import Playback, playback
from .render import Drawing, RenderError, find_renderer, render, render_many
from .stepper import Stepper, save_stepper, stepper

__all__ = ["Drawing", "Frames", "Playback", "RenderError", "Stepper", "draw", "draw_steps", "find_renderer",
           "playback", "render", "render_many", "save_stepper", "stepper"]
