"""The mistakes lab: the classic wrong backprops, each run beside the right engine.

    viz.mistake(root, "overwrite")    # both gradients, the first difference, gradcheck
    chainrule mistakes                # the list; --mistake NAME on explain, conv and pool

variants.py  the wrong variants, each a few lines beside the real rule it varies
engine.py    swaps a variant in while a block runs (kernels detached, under a lock)
lab.py       runs the wrong engine beside the right one
report.py    the text; page.py the drawings and the side-by-side stepper
"""

from .engine import UnknownMistake, find, wrong_engine
from .lab import MistakeLab, mistake
from .variants import MISTAKES, Mistake

__all__ = ["MISTAKES", "Mistake", "MistakeLab", "UnknownMistake", "find", "mistake", "wrong_engine"]
