"""Gate patterns: how an op sends its upstream gradient on to its inputs.

Backprop through any gate is downstream = upstream x local. Four patterns recur in every
network, and chainrule names them wherever a gate appears (steps, drawings, docs):

    add   distributor       the upstream goes, unchanged, to every input
    mul   swap multiplier   each input gets the upstream times the *other* input
    max   router            the upstream goes to the winning input, 0 to the rest
    copy  adder             a value used twice gets the sum of both uses' gradients

Every op declares one of them, or an honest other name below where none of the four fits.
"""

from __future__ import annotations

from enum import Enum


class Pattern(str, Enum):
    """The gate pattern of an op. Members are strings too: ``Pattern.ROUTER == "router"``."""

    # the lecture's four
    DISTRIBUTOR = "distributor"
    SWAP_MULTIPLIER = "swap multiplier"
    ROUTER = "router"
    ADDER = "adder"
    # close relatives
    SIGNED_DISTRIBUTOR = "signed distributor"   # sub: the upstream, negated for the subtrahend
    SIGNED_ROUTER = "signed router"             # abs: the upstream with the winner's sign
    LEAKY_ROUTER = "leaky router"               # leaky relu: the loser still gets a share
    SCALE = "scale"                             # neg: the upstream times a constant
    # smooth functions of one input: the upstream times the derivative
    ELEMENTWISE = "elementwise"
    POWER = "power"
    QUOTIENT = "quotient"
    PRODUCT = "product"
    NORMALIZE = "normalize"
    RUNNING_SUM = "running sum"
    # moving numbers around: backward moves them back
    RESHAPE = "reshape"
    GATHER = "gather"
    SCATTER = "scatter"
    SPLIT = "split"

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)

    @property
    def is_lecture_pattern(self) -> bool:
        """True for the four gate patterns every backprop lecture names."""
        return self in _FOUR

    @property
    def meaning(self) -> str:
        """One line: what the pattern does to the upstream gradient."""
        return _MEANING[self]


_FOUR = (Pattern.DISTRIBUTOR, Pattern.SWAP_MULTIPLIER, Pattern.ROUTER, Pattern.ADDER)

_MEANING = {
    Pattern.DISTRIBUTOR: "the upstream goes unchanged to every input",
    Pattern.SWAP_MULTIPLIER: "each input gets the upstream times the other input",
    Pattern.ROUTER: "the upstream goes to the winning input, 0 to the rest",
    Pattern.ADDER: "the gradients of every use are summed",
    Pattern.SIGNED_DISTRIBUTOR: "the upstream to the first input, its negative to the second",
    Pattern.SIGNED_ROUTER: "the upstream, with the sign of the input, 0 at 0",
    Pattern.LEAKY_ROUTER: "the upstream where the input is positive, a share of it elsewhere",
    Pattern.SCALE: "the upstream times a constant",
    Pattern.ELEMENTWISE: "the upstream times the function's derivative, element by element",
    Pattern.POWER: "the upstream times p x^(p-1)",
    Pattern.QUOTIENT: "the upstream divided by b to a; times -a/b^2 to b",
    Pattern.PRODUCT: "the upstream times the product of the other elements",
    Pattern.NORMALIZE: "the upstream minus its weighted mean (softmax's Jacobian, never formed)",
    Pattern.RUNNING_SUM: "each input gets the sum of the upstream from its position on",
    Pattern.RESHAPE: "the same numbers moved back to the input's layout",
    Pattern.GATHER: "the upstream scattered back to the positions that were read",
    Pattern.SCATTER: "the upstream gathered from the positions that were written",
    Pattern.SPLIT: "each input gets its own slice of the upstream",
}
