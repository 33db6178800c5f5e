"""How kernels attach to the lesson: each kernel module's attach(attachments) sets attributes
of lesson objects (an Op's forward or joint rule, a method of Value or Tensor, the driver's
entry point) through one Swaps, which remembers what was there, so that detach() restores the
lesson exactly."""

from autograd.swaps import Swaps as Attachments

__all__ = ["Attachments"]
