"""The mistakes lab: the classic wrong backprops, each run beside the right engine.

    viz.mistake(root, "overwrite")    # both gradients, the first difference, gradcheck
    chainrule mistakes                # the list; --mistake NAME on explain, conv and pool

variants.py  the wrong variants, each a few lines beside the real rule it varies
lab.py       runs a wrong engine beside the right one (kernels detached, under a lock)
report.py    the text; page.py the drawings and the side-by-side stepper
"""

from .lab import MistakeLab, UnknownMistake, find, mistake, wrong_engine
from .variants import MISTAKES, Mistake

__all__ = ["MISTAKES", "Mistake", "MistakeLab", "UnknownMistake", "find", "mistake", "wrong_engine"]
