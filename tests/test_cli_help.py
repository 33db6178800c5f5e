"""One voice: `chainrule --help` and `chainrule explain --help` list every function the
expression parser accepts, read from the op registry (a newly declared op appears too)."""

import io
import re

import pytest

from autograd import Op, Pattern
from autograd.core import forget, registry
from viz import cli
from viz.parse import ExprError, parse


def help_output(*argv):
    out = io.StringIO()
    assert cli.main(list(argv), stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue()


def listed(text):
    """The function names the help lists after 'calls to' (name(x) or name(a, b, ...))."""
    block = text.split("calls to", 1)[1].split("Work budget", 1)[0]
    return re.findall(r"([a-z_][a-z0-9_]*)\(", block)


@pytest.mark.parametrize("argv", [["--help"], ["explain", "--help"], ["-h"]])
def test_help_lists_every_function_the_parser_accepts(argv):
    names = listed(help_output(*argv))
    accepted = [*registry.functions(1), *registry.functions(2)]
    assert len(accepted) >= 21 and {"gelu", "hardtanh", "max"} <= set(accepted)
    assert names == accepted
    for name in names:                       # and each one listed really parses
        parse(f"{name}(x)" if name in registry.functions(1) else f"{name}(x, y)")


def test_a_new_declaration_appears_in_the_help_and_the_parser():
    op = Op("cube", Pattern.ELEMENTWISE, lambda x: x * x * x,
            backward=(lambda g, out, x: g * (3.0 * x * x),), method="cube", scalar=True)
    try:
        assert "cube" in listed(help_output("--help"))
        parse("cube(x)")
    finally:
        forget(op)
    assert "cube" not in listed(help_output("--help"))
    with pytest.raises(ExprError, match="unknown function 'cube'"):
        parse("cube(x)")


def test_help_lines_fit_a_terminal():
    assert max(len(line) for line in help_output("--help").splitlines()) <= 100
