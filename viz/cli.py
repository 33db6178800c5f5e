"""chainrule: explain backprop through an expression, step by step.

    chainrule explain "(x + y) * z" x=-2 y=5 z=-4 [--out DIR] [--format svg|png|pdf] [--dpi N]
                      [--digits N] [--deck] [--mistake NAME]

Prints the forward values, every backward step as the lecture writes it and the final
gradients, and writes the graph, one frame per step and stepper.html into DIR. Bad input
exits with status 2 and one line on stderr; nothing is ever evaluated as Python.
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

from autograd import backprop_steps, topological_order
from autograd.teaching.display import MAX_DIGITS
from autograd.teaching.steps import fmt as step_fmt

from . import cli_mistakes, cli_quiz
from .budget import MAX_LABEL_CHARS
from .cli_errors import Usage, parse_dpi, quote, run_command, whole_number
from .draw import draw
from .parse import (
    MAX_OPS,
    MAX_USES,
    UNARY,
    VARIADIC,
    ExprError,
    build,
    check_steps,
    clip,
    one_line,
    parse_values,
)
from .render import MAX_DPI, MIN_DPI, RenderError, check_format, render_many
from .safe_files import OutDir, UnsafePath
from .stepper import Stepper, check_budget, story

USAGE = ('usage: chainrule explain "EXPR" name=value ... [--out DIR] [--format svg|png|pdf] [--dpi N]\n'
         "                         [--digits N] [--deck] [--mistake NAME]\n"
         "       chainrule conv|pool --help\n"
         "       chainrule mistakes [NAME]\n"
         "       chainrule train --model moons|lenet --steps N [--every K] --out DIR [--deck]\n"
         "       chainrule quiz --level scalar|vector|matmul|conv|pool [--count K] [--seed N] --out DIR\n"
         "       chainrule --version | --help")
HELP = """{usage}

Explain backpropagation through a small expression, gate by gate.

  EXPR       numbers, names, + - * / **, unary -, parentheses and calls to
{functions}
             Work budget, checked before anything is computed: at most {max_ops} gates
             (max/min of n arguments are n - 1), {max_uses} uses in all of names used
             more than once, and {max_labels} characters of labels
  name=value a finite number for every name in EXPR (e.g. x=-2 y=5 z=-4)
  --out DIR  where to write graph.svg, frames/ and stepper.html (default ./chainrule-out);
             links inside DIR are never followed
  --format   svg (default), png or pdf: the format of graph and frames, the only one
             written (the stepper always inlines SVG)
  --dpi N    resolution of a PNG, {MIN_DPI} to {MAX_DPI} (default 96; 200 for a projector
             or a slide: about twice as wide and tall)
  --digits N significant digits of every number (default 3; 3.35e-4, never 0.00)
  --deck     also write deck.pdf: one slide per frame, in order, the step's text under
             each (needs Chromium or the pdf extra: pip install 'chainrule[pdf]')
  --mistake NAME
             the mistakes lab: run a classic wrong backprop (chainrule mistakes lists
             them) beside the right engine; print both gradients, the first node where
             they differ and gradcheck's verdict on each; write mistake.html (the two
             backward passes side by side), right.FORMAT and wrong.FORMAT

examples:
  chainrule explain "(x + y) * z" x=-2 y=5 z=-4
  chainrule explain "x*x + x" x=3 --mistake overwrite
"""


def help_text():
    """The help, with every function the parser accepts, read from the op registry now."""
    names = [*(f"{n}(x)" for n in UNARY), *(f"{n}(a, b, ...)" for n in VARIADIC)]
    lines = textwrap.wrap(", ".join(names), width=75, initial_indent=" " * 13,
                          subsequent_indent=" " * 13, break_on_hyphens=False)
    return HELP.format(usage=USAGE, functions="\n".join(lines), max_ops=MAX_OPS,
                       max_uses=MAX_USES, max_labels=MAX_LABEL_CHARS, MIN_DPI=MIN_DPI, MAX_DPI=MAX_DPI)


def _version():
    try:
        from importlib.metadata import version
        return version("chainrule")
    except Exception:
        from autograd import __version__
        return __version__


def parse_args(argv):
    """Hand-rolled so that an expression starting with '-' (e.g. "-x * y") is not an option."""
    opts = {"out": "chainrule-out", "format": "svg"}
    positional = []
    it = iter(argv)
    only_positional = False
    if list(argv) == ["-h"]:  # alone; "explain -h h=1" is the expression -h
        return [], {**opts, "help": True}
    for arg in it:
        if only_positional or not arg.startswith("--"):
            positional.append(arg)
            continue
        if arg == "--":
            only_positional = True
            continue
        name, eq, value = arg[2:].partition("=")
        if name == "help":
            opts["help"] = True
        elif name == "deck" and not eq:
            opts["deck"] = True
        elif name in ("out", "format", "digits", "dpi", "mistake"):
            if not eq:
                value = next(it, None)
                if value is None:
                    raise Usage(f"--{name} needs a value")
            opts[name] = value
        else:
            raise Usage(f"unknown option '{quote(arg)}'")
    if not opts["out"].strip():
        raise Usage("--out needs a folder name (got an empty value)")
    if opts["format"] not in ("svg", "png", "pdf"):
        raise Usage(f"--format must be svg, png or pdf, got '{quote(opts['format'])}'")
    opts["digits"] = _digits(opts.get("digits", "3"))
    opts["dpi"] = parse_dpi(opts.get("dpi"), opts["format"])
    if "mistake" in opts:
        opts["mistake"] = cli_mistakes.mistake_name(opts["mistake"])
        if opts.get("deck"):
            raise Usage("--deck and --mistake do not go together (the mistakes lab writes "
                        "mistake.html, its own side-by-side stepper)")
    if not opts.get("help") and not positional:
        raise Usage('missing the expression (e.g. chainrule explain "(x + y) * z" x=-2 y=5 z=-4)')
    return positional, opts


def _digits(text):
    """--digits N: significant digits of every printed number, 1 to MAX_DIGITS (17)."""
    return whole_number(text, "digits", 1, MAX_DIGITS)


def explain(expr, pairs, out_dir, format, stdout, digits=3, deck=False, dpi=None, mistake=None):
    _n = lambda v: step_fmt(v, digits)
    built = build(expr, parse_values(pairs))
    if not built.leaves:
        raise ExprError("no variables to differentiate (the expression has only constants; "
                        'use a name and give it a value, e.g. "x + 2" x=1)')
    root, f = built.root, built.output
    failed = _backward(root)
    if failed is not None:
        raise ExprError(_backward_error(*failed, built.texts))
    steps = backprop_steps(root)  # the same pass again, recorded gate by gate for printing
    check_steps(steps, built.texts)  # a constant's gradient can overflow, too
    grads = {name: leaf.grad for name, leaf in built.leaves.items()}
    bad = [n for n, g in grads.items() if g != g or g in (float("inf"), float("-inf"))]
    if bad:
        raise ExprError(f"the gradient with respect to '{bad[0]}' is not finite ({grads[bad[0]]})")
    try:  # --format pdf with neither the system dot nor Chromium: refused before any output
        check_format(format)
    except RenderError as e:
        raise Usage(f"--format {format}: {e}") from None
    if mistake is not None:
        return _explain_mistake(built, expr, mistake, out_dir, format, stdout, digits, dpi)
    if deck:  # no PDF route: refused before any output, like --format pdf
        _check_deck()
    check_budget(root, digits=digits)  # the page budget too (the syntax budget keeps well under)
    out = _prepare_out(out_dir, len(steps), format, deck)  # before printing: one line, nothing else

    p = lambda line="": print(line, file=stdout)
    _print_forward(p, built, expr, digits)
    p(f"backward ({len(steps)} step{'s' if len(steps) != 1 else ''}; downstream = upstream x local)")
    for k, step in enumerate(steps, 1):
        lines = step.lines(digits)
        p(f"  {k:>2}. {lines[0]}")
        for line in lines[1:]:
            p(f"      {line}")
    if not steps:
        p(f"  (no gates: {f} is a single input)")
    p()
    p("gradients")
    for name, g in grads.items():
        p(f"  d{f}/d{name} = {_n(g)}")
    p()
    code = _pictures(root, steps, out, format, stdout, f"{f} = {' '.join(expr.split())}", digits, dpi)
    if deck:
        from .deck import explain_deck
        print(f"slide deck: {explain_deck(root, out / 'deck.pdf', digits)}", file=stdout)
    return code


def _print_forward(p, built, expr, digits):
    """The expression with its values, then every gate's value in graph order."""
    _n = lambda v: step_fmt(v, digits)
    root, f = built.root, built.output
    given = ", ".join(f"{n}={_n(leaf.data)}" for n, leaf in built.leaves.items())
    p(f"{f} = {' '.join(expr.split())}" + (f"   with {given}" if given else ""))
    p()
    p("forward")
    for name, leaf in built.leaves.items():
        p(f"  {name} = {_n(leaf.data)}")
    for node, text in _gates_in_order(root, built.texts):
        prefix = f"{f} = " if node is root else ""
        p(f"  {prefix}{text} = {_n(node.data)}")
    if root.is_leaf:
        p(f"  {f} = {_n(root.data)}")
    p()


def _explain_mistake(built, expr, name, out_dir, format, stdout, digits, dpi):
    """--mistake NAME: the wrong engine beside the right one (viz/cli_mistakes.py)."""
    check_budget(built.root, digits=digits)
    lab, page, drawings = cli_mistakes.prepare(built.root, name, None, built.texts, built.output,
                                               digits, inputs=list(built.leaves.values()))
    out = cli_mistakes.check_out(out_dir, format)
    p = lambda line="": print(line, file=stdout)
    _print_forward(p, built, expr, digits)
    p(lab.report(digits))
    p()
    return cli_mistakes.write(lab, page, drawings, out, format, dpi, stdout)


def _check_deck():
    from .deck import DeckUnavailable, check_route
    try:
        check_route()
    except DeckUnavailable as e:
        raise Usage(str(e)) from None


class _Unreached(float):
    """The 0.0 a node's .grad holds until backprop reaches it (adding a gradient to it gives
    a plain float): after a failed backward it tells the gates backprop got to."""

    def __add__(self, g):
        return 0.0 + g


def _backward(root):
    """Run ``root.backward()`` once, filling every node's .grad; None, or (error, failing gate).

    Backprop visits the gates in reverse graph order and adds each one's gradient to its .grad
    before applying its rule, so the failing gate is the first in graph order it reached."""
    order = topological_order(root)
    for n in order:
        n.grad = _Unreached()
    try:
        root.backward()
    except (ValueError, ArithmeticError) as e:
        reached = [n for n in order if not n.is_leaf and not isinstance(n.grad, _Unreached)]
        for n in order:
            n.grad = 0.0
        return e, (reached[0] if reached else None)
    for n in order:
        n.grad = float(n.grad)  # plain floats, also where backprop never reached (constants)
    return None


def _backward_error(e, where, texts):
    """One line for an engine error during backward, with the gate's source text if found."""
    text = texts.get(id(where)) if where is not None else None
    return f"backward failed: {one_line(e)}" + (f" (in '{clip(text)}')" if text else "")


def _frame_names(n_steps):
    """File names of the frames: the forward pass, the seed, then each backward step."""
    if not n_steps:
        return ["forward"]
    width = len(str(n_steps))
    return ["forward", "seed", *(f"step-{k:0{width}d}" for k in range(1, n_steps + 1))]


def _prepare_out(out_dir, n_frames, format, deck=False):
    """Create ``out_dir`` and its frames/ and try every file a run writes there (no links
    followed, no folder where a file goes, names the system accepts): a Usage error if not."""
    names = [f"frames/{name}" for name in _frame_names(n_frames)]
    files = ["stepper.html"] + [f"{n}.{ext}" for n in ["graph", *names] for ext in ("gv", format)]
    files += ["deck.pdf"] if deck else []
    try:
        return OutDir(out_dir).check(files).path
    except UnsafePath as e:
        raise Usage(str(e)) from None


def _gates_in_order(root, texts):
    return [(n, texts.get(id(n), n.label or n.op)) for n in topological_order(root) if not n.is_leaf]


def _pictures(root, steps, out, format, stdout, title, digits=3, dpi=None):
    """Writes graph.FORMAT, frames/forward, frames/seed, frames/step-K (.FORMAT, each with its
    .gv; one file per frame, captioned, for slide overlays) and stepper.html.

    Only the requested format is written: otherwise the SVG the stepper inlines is made in a
    temporary folder."""
    frames_dir = out / "frames"
    for old in [*frames_dir.glob("step-*.*"), *frames_dir.glob("forward.*"), *frames_dir.glob("seed.*")]:
        if old.suffix in (".gv", ".svg", ".png", ".pdf"):
            old.unlink()
    for other in ("svg", "png", "pdf"):
        if other != format and (out / f"graph.{other}").is_file():
            (out / f"graph.{other}").unlink()  # stale, from a run with another format
    graph = draw(root, title=title, digits=digits)
    drawings, texts, _ = story(root, digits=digits, caption=True)  # a frame on a slide says its step
    n = len(steps)
    width = len(str(n))
    names = _frame_names(n)
    paths = [out / "graph", *(frames_dir / name for name in names)]
    with tempfile.TemporaryDirectory(prefix="chainrule-") as tmp:
        svg_at = paths if format == "svg" else [Path(tmp) / "graph", *(Path(tmp) / m for m in names)]
        svg_paths = render_many([graph, *drawings], svg_at, "svg")
        if format != "svg":
            render_many([graph, *drawings], paths, format, dpi)
        svgs = [Path(s).read_text(encoding="utf-8") for s in svg_paths]
    OutDir(out).write("stepper.html", Stepper(svgs[1:], texts, f"chainrule: {title}").page())
    written = ", ".join(f"frames/{m}.{format}" for m in names[:2])
    if n == 1:
        written += f", frames/step-1.{format}"
    elif n:
        written += f", frames/step-{1:0{width}d}.{format} ... step-{n}.{format}"
    print(f"pictures in {out}/ (graph.{format}, {written}, stepper.html)", file=stdout)
    return 0


def main(argv=None, stdout=None, stderr=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    return run_command(lambda: _command(argv, stdout, stderr), stdout, stderr)


def _command(argv, stdout, stderr):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(help_text(), file=stdout)
        return 0 if argv else 2
    if argv[0] in ("--version", "-V"):
        print(f"chainrule {_version()}", file=stdout)
        return 0
    if argv[0] == "quiz":
        return cli_quiz.main(argv[1:], stdout, stderr)
    if argv[0] == "mistakes":  # the mistakes lab: viz/cli_mistakes.py
        return cli_mistakes.main(argv[1:], stdout)
    if argv[0] == "train":  # the training playback: viz/cli_train.py
        from . import cli_train
        return cli_train.main(argv[1:], stdout, stderr)
    if argv[0] in ("conv", "pool"):  # pixel-level derivations: viz/cli_derive.py
        from .cli_derive import main as derive_main
        return derive_main(argv, stdout, stderr)
    if argv[0] != "explain":
        raise Usage(f"unknown command '{quote(argv[0])}' "
                    '(try: chainrule explain "(x + y) * z" x=-2 y=5 z=-4)')
    positional, opts = parse_args(argv[1:])
    if opts.get("help"):
        print(help_text(), file=stdout)
        return 0
    return explain(positional[0], positional[1:], opts["out"], opts["format"], stdout,
                   opts["digits"], opts.get("deck", False), opts["dpi"], opts.get("mistake"))


if __name__ == "__main__":
    sys.exit(main())
