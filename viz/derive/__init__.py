"""Pixel-level derivations of conv, pool and resampling backward passes.

    d = viz.derive.derive(node)   # a recorded conv2d / conv_transpose2d / max_pool2d /
                                  # avg_pool2d / upsample2d / downsample2d node, after backward
    d.frames                      # Frames: grids of numbers, the text, the sums they show
    viz.derive.drawings(d)        # one graphviz Digraph per frame
    viz.derive.save_derivation(root, "derivation.html")   # the stepper, in step with the graph

Every number comes from the recorded nodes (node.data, node.grad, node.params, node.saved,
node.parents); the gradient grids are the engine's own, and each frame's written-out sum is
checked against them in the tests.
"""

from .derivation import derive, drawings
from .model import DERIVABLE, Derivation, Frame, Panel
from .page import derivation_html, save_derivation

__all__ = ["DERIVABLE", "Derivation", "Frame", "Panel", "derivation_html", "derive", "drawings",
           "save_derivation"]
