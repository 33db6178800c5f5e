"""A whitelist parser for the CLI: arithmetic expressions -> a graph of Values. Never eval.

Allowed: numbers, names, + - * / **, unary - and +, parentheses, and calls to the functions
the op registry declares (exp, log, ... take one argument; max, min two or more). The
exponent of ** must be a number (a constant expression such as 2, -1 or (1/2)). Anything
else is refused with an ExprError naming the construct and its column. The walk over the
tree is iterative, and size limits keep Python's own parser away from its recursion limits.
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
import warnings

from autograd import Value
from autograd.core import registry

from . import budget
from .budget import MAX_OPS, MAX_USES, constant_label  # noqa: F401 - the limits, documented in the CLI help
from .input_text import check_printable

MAX_CHARS = 2000   # longer input is refused before parsing; what it may cost: viz/budget.py

# the functions come from the ops' declarations (Value methods such as exp, max)
UNARY = registry.Names(1)       # exp, log, tanh, sigmoid, relu, ...
VARIADIC = registry.Names(2)    # max, min (two or more arguments)
FUNCTIONS = UNARY + VARIADIC
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_OPS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
              ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
              ast.Invert: "~", ast.Not: "not"}
_ALLOWED = "numbers, names, + - * / **, unary -, parentheses and calls to " + ", ".join(FUNCTIONS)
_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'", ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions (:=)", ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings", ast.Starred: "starred arguments", ast.List: "lists",
    ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.Slice: "slices",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}


class ExprError(ValueError):
    """Bad expression or values: one line, pointing at the problem."""


def _column(source, offset):
    """1-based character column of the UTF-8 byte ``offset`` of ``source`` (ast counts bytes)."""
    return len(source.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1


def _at(node, source):
    if not hasattr(node, "col_offset"):
        return ""
    offset = node.col_offset
    operands = _operands(node)
    if operands:  # point at the operator, not at the left operand
        offset = _operator_offset(source, *operands, node.col_offset)
    return f" at column {_column(source, offset)}"


def _operands(node):
    if isinstance(node, ast.BinOp):
        return node.left, node.right
    if isinstance(node, ast.Compare):
        return node.left, node.comparators[0]
    if isinstance(node, ast.BoolOp):
        return node.values[0], node.values[1]
    return None


def _operator_offset(source, left, right, default):
    """Byte offset of the operator between two operands: the first byte between them that is
    not a space or a parenthesis."""
    raw = source.encode("utf-8")
    start, stop = left.end_col_offset, right.col_offset
    for k in range(start, stop):
        if raw[k:k + 1] not in (b" ", b"\t", b"(", b")"):
            return k
    return default


def parse(text):
    """Check ``text`` against the whitelist; returns the ast.Expression."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("empty expression (try: \"(x + y) * z\" x=-2 y=5 z=-4)")
    if len(text) > MAX_CHARS:
        raise ExprError(f"expression too long: {len(text)} characters (the limit is {MAX_CHARS})")
    if "\n" in text.strip() or "\r" in text:
        raise ExprError("the expression must be on one line")
    try:
        check_printable(text, "the expression")
    except ValueError as e:
        raise ExprError(str(e)) from None
    source = text.strip()
    try:
        with warnings.catch_warnings():  # e.g. "1if x else 2": refused below, in one line
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        if e.offset:
            raise ExprError(f"syntax error at column {e.offset}: {e.msg}") from None
        # offset 0: Python stopped at the end of the input (e.g. "x +")
        raise ExprError(f"syntax error at column {len(source) + 1}: the expression ends too early "
                        f"({e.msg})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression too deeply nested to parse") from None
    bad = []
    for node in ast.walk(tree):  # breadth-first, iterative
        problem = _problem(node)
        if problem:
            main, sep, hint = problem.partition(" (allowed")
            bad.append((node.col_offset, main + _at(node, source) + sep + hint))
    if bad:
        raise ExprError(min(bad)[1])
    budget.check(tree, source, ExprError)  # what it will cost to draw, before building it
    return tree


def _problem(node):
    """Why ``node`` is refused, or None."""
    if isinstance(node, (ast.Expression, ast.Name, ast.expr_context, ast.cmpop, ast.boolop,
                         ast.arguments, ast.arg, ast.comprehension, ast.keyword)):
        return None  # context nodes: any problem is reported on the expression they belong to
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None:
            return f"{v} is not a number"
        if isinstance(v, str):
            return "strings are not supported"
        if isinstance(v, complex):
            return "complex numbers are not supported"
        if not isinstance(v, (int, float)):
            return f"{type(v).__name__} literals are not supported"
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINOPS:
            return None
        return f"operator '{_OTHER_OPS.get(type(node.op), type(node.op).__name__)}' is not supported"
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return None
        return f"operator '{_OTHER_OPS.get(type(node.op), type(node.op).__name__)}' is not supported"
    if isinstance(node, (tuple(_BINOPS), ast.USub, ast.UAdd)):
        return None
    if isinstance(node, tuple(_OTHER_OPS)):
        return None  # reported on its BinOp/UnaryOp
    if isinstance(node, ast.Call):
        f = node.func
        if not isinstance(f, ast.Name):
            return "only direct calls to " + ", ".join(FUNCTIONS) + " are allowed"
        if f.id not in FUNCTIONS:
            return f"unknown function '{f.id}' (allowed: {', '.join(FUNCTIONS)})"
        if node.keywords:
            return f"{f.id}: keyword arguments are not supported"
        if any(isinstance(a, ast.Starred) for a in node.args):
            return f"{f.id}: starred arguments are not supported"
        n = len(node.args)
        if f.id in UNARY and n != 1:
            return f"{f.id} takes 1 argument, got {n}"
        if f.id in VARIADIC and n < 2:
            return f"{f.id} takes 2 or more arguments, got {n}"
        return None
    what = _NAMES.get(type(node), f"'{type(node).__name__}' expressions")
    return f"not supported: {what} (allowed: {_ALLOWED})"


def parse_values(pairs):
    """['x=-2', 'y=5'] -> {'x': -2.0, 'y': 5.0}; finite numbers only, each name once."""
    values = {}
    for k, pair in enumerate(pairs, 1):
        try:
            check_printable(pair, f"name=value argument {k}")
        except ValueError as e:
            raise ExprError(str(e)) from None
        name, sep, text = pair.partition("=")
        name, text = unicodedata.normalize("NFKC", name.strip()), text.strip()  # as Python does
        if not sep:
            raise ExprError(f"'{pair}' is not name=value (e.g. x=-2)")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExprError(f"'{name}' in '{pair}' is not a valid name")
        if name in FUNCTIONS:
            raise ExprError(f"'{name}' is a function name and cannot be given a value")
        if name in values:
            raise ExprError(f"'{name}' is given more than once")
        if not text:
            raise ExprError(f"no number after '{name}=' (e.g. {name}=1.5)")
        try:
            v = float(text)
        except ValueError:
            raise ExprError(f"{name}={text}: not a number") from None
        if not math.isfinite(v):
            raise ExprError(f"{name}={text}: values must be finite numbers (no nan or inf)")
        values[name] = v
    return values


def names_in(tree):
    """Variable names used in the expression, in order of first appearance."""
    seen = []
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name)),
                       key=lambda n: n.col_offset):
        if node.id not in seen and not _is_callee(tree, node):
            seen.append(node.id)
    return seen


def _is_callee(tree, name):
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


class Built:
    """The Value graph of an expression: root, leaves by name, each gate's source text, and
    the name of the output (``f``, or ``out`` when ``f`` is one of the variables)."""

    def __init__(self, root, leaves, texts, output="f"):
        self.root = root
        self.leaves = leaves
        self.texts = texts  # id(Value) -> source text of the sub-expression
        self.output = output


LABEL_CHARS = 24  # intermediate results get their source text as label, clipped to this length


def label_for(segment):
    """An intermediate's label: its source text, clipped with '...' past LABEL_CHARS."""
    if len(segment) <= LABEL_CHARS:
        return segment
    return segment[: LABEL_CHARS - 3].rstrip() + "..."


def output_name(used, preferred="f"):
    """``preferred`` unless a variable already has that name; then 'out', 'out2', ..."""
    candidates = [preferred, "out"] + [f"out{k}" for k in range(2, len(used) + 3)]
    return next(c for c in candidates if c not in used)


def build(text, values, root_label="f"):
    """Parse ``text`` and build its Value graph with ``values`` ({name: float}).

    The root is labelled ``root_label``, or 'out' ('out2', ...) if a variable has that name.
    """
    tree = parse(text)
    source = text.strip()
    used = names_in(tree)
    for name in used:
        if name in FUNCTIONS:
            raise ExprError(f"'{name}' is a function: call it as {name}(...)")
        if name not in values:
            raise ExprError(f"no value for '{name}' (add {name}=NUMBER)")
    unused = [n for n in values if n not in used]
    if unused:
        raise ExprError(f"'{unused[0]}' is given a value but the expression does not use it")
    leaves = {name: Value(values[name], label=name) for name in used}
    texts = {}
    result = {}
    stack = [(tree.body, False)]
    while stack:  # post-order without recursion
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(_children(node)))
            continue
        segment = " ".join((ast.get_source_segment(source, node) or "").split())
        try:
            v = _apply(node, result, leaves, segment)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError) as e:
            raise ExprError(f"{one_line(e)} (in '{clip(segment)}')") from None
        if not math.isfinite(v.data):
            raise ExprError(f"overflow: '{clip(segment)}' gives {v.data}")
        if not v.is_leaf and not isinstance(node, ast.Name):
            texts[id(v)] = segment
            if v.label == "":
                v.label = label_for(segment)
        elif isinstance(node, ast.Constant):
            v.label = constant_label(v.data)
        result[id(node)] = v
    root = result[id(tree.body)]
    output = output_name(used, root_label)
    if not root.is_leaf:
        root.label = output
    return Built(root, leaves, texts, output)


def check_steps(steps, texts):
    """Raise ExprError (one line) at the first backward step that sends a gradient that is not
    finite (1 ** -1e308 is 1, but its gradient overflows): nothing shows [downstream inf]."""
    for k, step in enumerate(steps, 1):
        targets = (step.output,) if step.op == "copy" else step.inputs
        for x, d in zip(targets, step.downstream):
            if d is not None and not math.isfinite(d):
                what = texts.get(id(x)) or x.label or "a constant"
                raise ExprError(f"the gradient overflows: backward step {k} ({step.op}) sends {d} "
                                f"to '{clip(what)}'")


def _children(node):
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _apply(node, result, leaves, segment):
    if isinstance(node, ast.Constant):
        return Value(float(node.value))  # float(huge int) raises OverflowError: refused
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        x = result[id(node.operand)]
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.BinOp):
        a, b = result[id(node.left)], result[id(node.right)]
        op = type(node.op)
        if op is ast.Pow:
            if any(isinstance(n, ast.Name) for n in ast.walk(node.right)):
                raise ValueError("the exponent of ** must be a number such as 2 or -1 "
                                 "(for x ** y write exp(y * log(x)))")
            return a ** b.data
        return {ast.Add: a.__add__, ast.Sub: a.__sub__, ast.Mult: a.__mul__,
                ast.Div: a.__truediv__}[op](b)
    if isinstance(node, ast.Call):
        args = [result[id(a)] for a in node.args]
        name = node.func.id
        if name in UNARY:
            return getattr(args[0], name)()
        out = args[0]
        for b in args[1:]:
            out = getattr(out, name)(b)
        return out
    raise ValueError(f"unsupported: {type(node).__name__}")  # parse() refuses these first


def one_line(e):
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def clip(s, n=60):
    """``s`` cut to ``n`` characters (with ...) for quoting in a one-line error."""
    return s if len(s) <= n else s[: n - 3] + "..."
