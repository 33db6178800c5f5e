"""The hand-written op tables of docs/ (the teaching pages, not the generated docs/ops.md) list
every op with its pattern: each `Op` declared in `autograd/` is named in a table row that also
names its declared pattern, and each public function of `autograd.functional` is named in some
table row."""

import enum
import inspect
import re
import sys
from pathlib import Path

from autograd import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "tools"))
import ops_page  # noqa: E402  (the op list the generated reference uses)

sys.path.remove(str(ROOT / "docs" / "tools"))
HELPERS = {"as_node", "check_axis"}     # imported into functional for its own use, not ops


def table_rows():
    pages = [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "ops.md"]
    return [line for p in pages for line in p.read_text(encoding="utf-8").splitlines()
            if line.startswith("|")]


def names(name, row):
    return re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", row) is not None


def declared_ops():
    ops = {}
    for op in ops_page.declared_ops():
        pattern = op.pattern.value if isinstance(op.pattern, enum.Enum) else op.pattern
        ops.setdefault(op.name, set()).add(str(pattern))
    return ops


def test_every_declared_op_has_a_table_row_naming_its_pattern():
    ops = declared_ops()
    assert len(ops) >= 60 and {"add", "conv2d", "einsum", "concat"} <= ops.keys()
    rows = table_rows()
    missing = [f"{name} ({'/'.join(sorted(patterns))})" for name, patterns in sorted(ops.items())
               if not any(names(name, row) and any(p in row for p in patterns) for row in rows)]
    assert not missing, f"the op tables of docs/ lack a row with the op and its pattern: {missing}"


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
