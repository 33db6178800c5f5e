"""Write docs/ops.md, the op reference, from the op declarations themselves.

    python docs/tools/ops_page.py            rewrite docs/ops.md
    python docs/tools/ops_page.py --check    exit 1 (and say so) if docs/ops.md is stale

Every op is read from ``autograd.ops()`` (the engine's own: declared in autograd/). The page
groups them by the gate pattern of their backward (the four patterns first), and lists each
op's inputs, where it is declared, the methods and operators the registry gives it, where
else it is reachable, and its Jacobian as declared.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "ops.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import autograd  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402

OPERATORS = {"__add__": "a + b", "__sub__": "a - b", "__mul__": "a * b", "__truediv__": "a / b",
             "__pow__": "a ** b", "__matmul__": "a @ b", "__neg__": "-a", "__abs__": "abs(a)",
             "__getitem__": "a[index]"}


def declared_ops():
    """Every op the engine declares (a demo may declare its own: those are not listed)."""
    return [op for op in autograd.ops() if op.module.startswith("autograd.")]


def source(op) -> str:
    """Where the op is declared: autograd/ops/conv.py."""
    return f"`{op.module.replace('.', '/')}.py`"


def jacobians(op) -> list[str]:
    j = op.jacobian
    if j is None:
        return []
    return [j] if isinstance(j, str) else [str(x) for x in j]


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def inputs(op) -> str:
    return "any number" if op.arity is None else str(op.arity)


def methods(op) -> str:
    """The registry's names for the op on Value and Tensor: operators and plain methods."""
    shown = [] if not op.scalar else ["(Value too)"]
    for name in op.method:
        if name.startswith("__r") and f"__{name[3:]}" in op.method:
            continue                                   # __radd__ goes with __add__
        plain = f"a.{name}(b)" if op.arity == 2 else f"x.{name}()"
        shown.append(f"`{OPERATORS.get(name, name if name.startswith('__') else plain)}`")
    return ", ".join(shown) or "—"


def also_as(op) -> str:
    """Where else the op's name is reachable: autograd.NAME, F.NAME, Tensor.NAME."""
    places = []
    if op.name not in op.method and hasattr(Tensor, op.name):
        places.append(f"`t.{op.name}(...)`")
    if callable(getattr(F, op.name, None)):
        places.append(f"`F.{op.name}`")
    elif callable(getattr(autograd, op.name, None)) and not isinstance(getattr(autograd, op.name), type):
        places.append(f"`autograd.{op.name}`")
    places += [f"`F.{name}`" for name in op.function if name != op.name]
    return ", ".join(places) or "—"


def cli_functions(ops):
    """The functions `chainrule explain` accepts: plain registry names of 1- and 2-input ops."""
    one = [n for op in ops if op.scalar for n in op.method if not n.startswith("_") and op.arity == 1]
    two = [n for op in ops if op.scalar for n in op.method if not n.startswith("_") and op.arity == 2]
    return sorted(one), sorted(two)


def render(ops) -> str:
    groups = {}
    for op in ops:
        groups.setdefault(op.pattern, []).append(op)
    order = [p for p in autograd.Pattern if p in groups]     # the lecture's four first
    one, two = cli_functions(ops)
    lines = [
        "# Op reference",
        "",
        "<!-- generated from the op declarations by docs/tools/ops_page.py: do not edit by hand;",
        "     `make docs` or `python docs/tools/ops_page.py` rewrites it; a test fails when it is stale -->",
        "",
        f"chainrule declares {len(ops)} ops, each once, as data: a name, the gate pattern of its backward,",
        "its inputs, its backward rules and the text of its Jacobian (which the engine never forms:",
        "it applies it as a mask, a matmul or a convolution). This page is generated from those",
        "declarations, grouped by pattern, the four patterns of the lecture first. How an op is",
        "declared: [inside the engine](engine.md).",
        "",
        "Columns: *inputs* (how many); *declared in*, the lesson file that holds it; *methods and",
        "operators*, which the op registry gives `Tensor` (and `Value`, for a scalar op) from the",
        "declaration (`x.exp()`, `a * b`); *also as*, where else the op's name is reachable",
        "(`t.NAME(...)` a Tensor method, `F.NAME` in `autograd.functional`); *Jacobian*, one entry",
        "per input, as declared.",
        "",
        "## Functions of chainrule explain",
        "",
        *textwrap.wrap("The plain method names of one-input ops are the functions `chainrule explain` "
                       "accepts, with one argument: " + ", ".join(f"`{n}`" for n in one) + ". Those of "
                       "two-input ops take two or more arguments: " + ", ".join(f"`{n}`" for n in two)
                       + ". `chainrule --help` lists the same.", width=95, break_on_hyphens=False),
        "",
        "## Patterns",
        "",
        *textwrap.wrap(" · ".join(f"[{p}](#{str(p).replace(' ', '-')}) ({len(groups[p])})" for p in order),
                       width=95, break_on_hyphens=False),
    ]
    for p in order:
        lines += ["", f"## {p}", "", f"Backward: {p.meaning}.", "",
                  "| op | inputs | declared in | methods and operators | also as | Jacobian |",
                  "|---|---|---|---|---|---|"]
        for op in sorted(groups[p], key=lambda o: o.name):
            jac = "; ".join(f"`{cell(j)}`" for j in jacobians(op)) or "—"
            row = (f"`{op.name}`", inputs(op), source(op), methods(op), also_as(op), jac)
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write docs/ops.md from the op declarations.")
    parser.add_argument("--check", action="store_true", help="only check that docs/ops.md is current")
    args = parser.parse_args(argv)
    text = render(declared_ops())
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else None
    if args.check:
        if current != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python docs/tools/ops_page.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        PAGE.write_text(text, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
