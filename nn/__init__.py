"""Neural-network building blocks on chainrule's autograd."""

from . import scalar

__all__ = ["scalar"]
