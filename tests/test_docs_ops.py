"""The README's op tables list every op with its pattern (issue 12 acceptance): each `Op`
declared in `autograd/` is named in a table row that also names its declared pattern, and each
public function of `autograd.functional` is named in some table row."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import autograd
from autograd import functional as F
from autograd.graph import Op

ROOT = Path(__file__).resolve().parent.parent
HELPERS = {"as_node", "check_axis"}     # imported into functional for its own use, not ops


def table_rows():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("|")]


def names(name, row):
    return re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", row) is not None


def declared_ops():
    ops = {}
    for info in pkgutil.iter_modules(autograd.__path__):
        module = importlib.import_module(f"autograd.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Op):
                ops.setdefault(value.name, set()).add(value.pattern)
    return ops


def test_every_declared_op_has_a_table_row_naming_its_pattern():
    ops = declared_ops()
    assert len(ops) >= 60 and {"add", "conv2d", "einsum", "concat"} <= ops.keys()
    rows = table_rows()
    missing = [f"{name} ({'/'.join(sorted(patterns))})" for name, patterns in sorted(ops.items())
               if not any(names(name, row) and any(p in row for p in patterns) for row in rows)]
    assert not missing, f"README op tables lack a row with the op and its pattern: {missing}"


def test_every_functional_function_is_in_a_table():
    functions = [n for n, v in vars(F).items()
                 if inspect.isfunction(v) and not n.startswith("_") and n not in HELPERS]
    assert len(functions) >= 30 and "conv_transpose1d" in functions
    rows = table_rows()
    missing = [n for n in functions if not any(names(n, row) for row in rows)]
    assert not missing, f"README op tables do not list: {missing}"


def test_a_name_counts_only_as_a_whole_word():
    assert names("min", "| `t.min(axis)` | router |")
    assert not names("min", "| `hardtanh(x, min_val=-1)` | router |")
    assert not names("sum", "| `cumsum` | running sum |".replace("running sum", "x"))
