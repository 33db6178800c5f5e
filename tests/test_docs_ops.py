"""Every public function of autograd.functional has a row in a hand-written table of docs/
(the teaching pages; the generated op reference docs/ops.md lists every op, from its
declaration, and tests/test_docs.py checks that it is current)."""

import inspect
import re
from pathlib import Path

from autograd import functional as F

ROOT = Path(__file__).resolve().parent.parent
HELPERS = {"as_node"}     # imported into functional for its own use, not a function of torch's


def table_rows():
    pages = [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "ops.md"]
    return [line for p in pages for line in p.read_text(encoding="utf-8").splitlines()
            if line.startswith("|")]


def names(name, row):
    return re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", row) is not None


def test_every_functional_function_is_in_a_table():
    functions = [n for n, v in vars(F).items()
                 if inspect.isfunction(v) and not n.startswith("_") and n not in HELPERS]
    assert len(functions) >= 30 and "conv_transpose1d" in functions
    rows = table_rows()
    missing = [n for n in functions if not any(names(n, row) for row in rows)]
    assert not missing, f"the op tables of docs/ do not list: {missing}"


def test_a_name_counts_only_as_a_whole_word():
    assert names("min", "| `t.min(axis)` | router |")
    assert not names("min", "| `hardtanh(x, min_val=-1)` | router |")
    assert not names("sum", "| `cumsum` | running sum |".replace("running sum", "x"))
