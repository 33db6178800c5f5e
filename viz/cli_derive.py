"""chainrule conv / chainrule pool: a conv's or a pool's backward, pixel by pixel.

    chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" [--upstream "..."]
                   [--stride S] [--padding P] [--dilation D] [--symbolic] [--digits N]
                   [--out DIR] [--format svg|png|pdf|tex] [--dpi N] [--deck] [--mistake NAME]
    chainrule pool --input "..." --kernel K [--stride S] [--padding P] [--mode max|avg]
                   [--upstream "..."] [--symbolic] [--digits N] [--out DIR]
                   [--format svg|png|pdf|tex] [--dpi N] [--deck] [--mistake NAME]

Prints the forward scan (every output written out), the upstream (ones unless given), the
gradients and the lecture's derivation (for conv: the scatter view, the gather view and the
two side by side), and writes the frames and the derivation stepper into DIR. --symbolic
writes it in the lectures' notation (X11, F11, dE/dO11); --format tex also writes that as
DIR/derivation.tex. --mistake NAME runs a classic wrong backprop beside the right one
instead (viz/cli_mistakes.py). Matrices: rows separated by ';', numbers by spaces or commas,
channels by '|'; nothing is evaluated. Bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import re
import sys

import numpy as np

from autograd import Tensor
from autograd import functional as F
from autograd.ops.conv import CONV2D
from autograd.ops.pool import MAX_POOL2D
from autograd.teaching.display import MAX_DIGITS, format_number

from .cli_errors import Usage, parse_dpi, parse_options, quote, run_command, whole_number
from .cli_mistakes import check_out, mistake_name, prepare, write
from .derive import derive, drawings
from .derive.model import MAX_CHANNELS, MAX_SIZE
from .derive.page import check_derivation
from .derive.symbolic import equations
from .derive.symbols import tex_document
from .input_text import split_channels
from .render import FORMATS, RenderError, check_format, render_many
from .safe_files import OutDir, UnsafePath, write_file
from .stepper import save_stepper

MAX_TEXT = 2000
SEPARATORS = re.compile(r"[\s,]+")  # between the numbers of a row: spaces, commas or both
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
USAGE = {
    "conv": 'usage: chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" '
            "[--upstream M] [--stride S] [--padding P] [--dilation D] [--symbolic] [--digits N] "
            "[--out DIR] [--format svg|png|pdf|tex] [--dpi N] [--deck] [--mistake NAME]",
    "pool": 'usage: chainrule pool --input "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4" --kernel K '
            "[--stride S] [--padding P] [--mode max|avg] [--upstream M] [--symbolic] [--digits N] "
            "[--out DIR] [--format svg|png|pdf|tex] [--dpi N] [--deck] [--mistake NAME]",
}
OPTIONS = {
    "conv": {"input", "filter", "upstream", "stride", "padding", "dilation", "digits", "out",
             "symbolic", "format", "dpi", "deck", "mistake"},
    "pool": {"input", "kernel", "upstream", "stride", "padding", "mode", "digits", "out",
             "symbolic", "format", "dpi", "deck", "mistake"},
}
FLAGS = {"symbolic", "deck"}  # options without a value (--deck: a slide deck, viz/deck.py)
TEX = "tex"                   # --format tex: the symbolic derivation as LaTeX, beside SVG frames
HELP = """{usage}

Matrices: rows separated by ';', numbers by spaces or commas, at most {n}x{n} (e.g. "1 2; 3 4"
or "1, 2; 3, 4"); channels separated by '|', at most {c} (e.g. --input "1 2; 3 4 | 5 6; 7 8"
with one filter slice per input channel in --filter; for pool, --upstream has one map per
channel).
--upstream is dE/dO (default: ones, always printed). --digits: significant digits (3).
--symbolic: the derivation in the lectures' notation (X11, F11, O11, dE/dO11), each
equation followed by its numbers. --format tex: also write DIR/derivation.tex (LaTeX).
--out DIR (default ./chainrule-out) receives frames/frame-NNN.svg, stepper.html and
stepper-derivation.html (the graph beside the pixel frames).
--format svg (default), png or pdf: the frames' format (the steppers always inline SVG);
--dpi N: a PNG's resolution (default 96; 200 for a slide). --deck also writes deck.pdf:
a page per frame, its text under it (needs Chromium or pip install 'chainrule[pdf]').
--mistake NAME: the mistakes lab instead of the derivation: a classic wrong backprop
(chainrule mistakes lists them; no-flip for conv, pool-overwrite and mean-no-divide for
pool) beside the right engine, both gradients, where they first differ, gradcheck on each;
writes mistake.html (both backward passes side by side), right.FORMAT and wrong.FORMAT.
"""


def parse_matrix(text, name):
    """A 2-D float array from 'a b; c d' or 'a, b; c, d' (no eval): rows by ';', numbers by
    spaces or commas (the separators a quiz answer takes too)."""
    if len(text) > MAX_TEXT:
        raise Usage(f"--{name} is too long ({len(text)} characters, at most {MAX_TEXT})")
    rows = [[t for t in SEPARATORS.split(r) if t] for r in text.split(";")]
    if not any(rows):
        raise Usage(f"--{name} is empty (write rows like \"1 2; 3 4\")")
    for k, row in enumerate(rows, 1):
        if not row:
            raise Usage(f"--{name}: row {k} is empty")
        for item in row:
            if not NUMBER.fullmatch(item):
                raise Usage(f"--{name}: '{quote(item, 20)}' in row {k} is not a number")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise Usage(f"--{name}: rows have different lengths ({', '.join(str(len(r)) for r in rows)})")
    if len(rows) > MAX_SIZE or len(rows[0]) > MAX_SIZE:
        raise Usage(f"--{name} is {len(rows)}x{len(rows[0])}: too large (at most {MAX_SIZE}x{MAX_SIZE})")
    a = np.array([[float(v) for v in r] for r in rows])
    if not np.isfinite(a).all() or np.abs(a).max() > 1e6:
        raise Usage(f"--{name}: numbers must be finite and at most 1e6 in size")
    return a


def parse_channels(text, name):
    """(C, H, W) from matrices separated by '|' (viz/input_text.py), all of one shape."""
    if len(text) > MAX_TEXT:
        raise Usage(f"--{name} is too long ({len(text)} characters, at most {MAX_TEXT})")
    pieces = split_channels(text)
    if len(pieces) == 1:
        return parse_matrix(text, name)[None]
    if len(pieces) > MAX_CHANNELS:
        raise Usage(f"--{name} has {len(pieces)} channels: too many (at most {MAX_CHANNELS})")
    maps = []
    for k, piece in enumerate(pieces, 1):
        if not piece.strip():
            raise Usage(f"--{name}: channel {k} is empty (channels are separated by '|')")
        maps.append(parse_matrix(piece, f"{name} channel {k}"))
    shapes = [m.shape for m in maps]
    if len(set(shapes)) > 1:
        raise Usage(f"--{name}: channels have different shapes "
                    f"({', '.join(f'{h}x{w}' for h, w in shapes)})")
    return np.stack(maps)


def parse_int(opts, name, default, low, high):
    text = opts.get(name)
    return default if text is None else whole_number(text, name, low, high)


def parse_args(cmd, argv):
    opts = parse_options(argv, OPTIONS[cmd] - FLAGS, FLAGS, cmd)
    if opts.get("help"):
        return opts
    for need in ("input", "filter" if cmd == "conv" else "kernel"):
        if need not in opts:
            raise Usage(f"missing --{need} ({USAGE[cmd][7:]})")
    if opts.get("format", "svg") not in (*FORMATS, TEX):
        raise Usage(f"--format must be svg, png, pdf or tex, got '{opts['format'][:20]}'")
    if "mistake" in opts:
        opts["mistake"] = mistake_name(opts["mistake"])
        clash = [f"--{n}" for n in ("symbolic", "deck") if opts.get(n)] + \
            (["--format tex"] if opts.get("format") == TEX else [])
        if clash:
            raise Usage(f"{clash[0]} and --mistake do not go together (the mistakes lab writes "
                        "mistake.html, its own side-by-side stepper)")
    return opts


def picture_options(opts):
    """(format of the frames, dpi) from --format and --dpi (tex: SVG frames and a .tex); a
    Usage error for what this machine cannot write (PDF with neither the system dot nor
    Chromium), before anything is printed."""
    format = opts.get("format", "svg")
    format = "svg" if format == TEX else format
    dpi = parse_dpi(opts.get("dpi"), format)
    try:
        check_format(format)
    except RenderError as e:
        raise Usage(f"--format {format}: {e}") from None
    return format, dpi


def grid_text(a, number, indent="    "):
    cells = [[number(v) for v in row] for row in np.asarray(a)]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(indent + "  ".join(c.rjust(width) for c in row) for row in cells)


def _engine(call):
    """Run an engine call; its one-line ValueError becomes a Usage error."""
    try:
        return call()
    except ValueError as e:
        raise Usage(str(e).splitlines()[0]) from None


def build_conv(opts):
    X = parse_channels(opts["input"], "input")
    W = parse_channels(opts["filter"], "filter")
    if W.shape[0] != X.shape[0]:
        raise Usage(f"--filter has {W.shape[0]} channel{'s' * (W.shape[0] != 1)} but --input has "
                    f"{X.shape[0]}: give one filter slice per input channel, separated by '|'")
    s = parse_int(opts, "stride", 1, 1, MAX_SIZE)
    p = parse_int(opts, "padding", 0, 0, MAX_SIZE)
    d = parse_int(opts, "dilation", 1, 1, MAX_SIZE)
    span = [d * (k - 1) + 1 for k in W.shape[1:]]
    if any(e > n + 2 * p for e, n in zip(span, X.shape[1:])):
        raise Usage(f"the filter ({W.shape[1]}x{W.shape[2]}, span {span[0]}x{span[1]} with "
                    f"dilation {d}) is larger than the padded input "
                    f"({X.shape[1] + 2 * p}x{X.shape[2] + 2 * p})")
    x = Tensor(X[None], requires_grad=True, label="X")
    w = Tensor(W[None], requires_grad=True, label="F")
    o = _engine(lambda: F.conv2d(x, w, stride=s, padding=p, dilation=d))
    o.label = "O"
    return o, (x, w), f"stride {s}, padding {p}, dilation {d}"


def build_pool(opts):
    X = parse_channels(opts["input"], "input")
    k = parse_int(opts, "kernel", None, 1, MAX_SIZE)
    s = parse_int(opts, "stride", k, 1, MAX_SIZE)
    p = parse_int(opts, "padding", 0, 0, MAX_SIZE)
    mode = opts.get("mode", "max")
    if mode not in ("max", "avg"):
        raise Usage(f"--mode must be max or avg, got '{quote(mode, 20)}'")
    if k > min(X.shape[1:]) + 2 * p:
        raise Usage(f"the kernel {k}x{k} is larger than the padded input "
                    f"({X.shape[1] + 2 * p}x{X.shape[2] + 2 * p})")
    x = Tensor(X[None], requires_grad=True, label="X")
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    o = _engine(lambda: pool(x, k, stride=s, padding=p))
    o.label = "O"
    return o, (x,), f"{mode}, kernel {k}x{k}, stride {s}, padding {p}"


def run(cmd, opts, stdout):
    digits = parse_int(opts, "digits", 3, 1, MAX_DIGITS)
    format, dpi = picture_options(opts)
    number = lambda v: format_number(v, digits)
    o, leaves, geometry = build_conv(opts) if cmd == "conv" else build_pool(opts)
    if max(o.shape[-2:]) > MAX_SIZE:
        raise Usage(f"the output would be {o.shape[2]}x{o.shape[3]}: too large to draw "
                    f"(at most {MAX_SIZE}x{MAX_SIZE}; use less padding)")
    if "upstream" in opts:
        up = parse_channels(opts["upstream"], "upstream")
        if up.shape[1:] != o.shape[-2:]:
            raise Usage(f"--upstream is {up.shape[1]}x{up.shape[2]}, but O is "
                        f"{o.shape[2]}x{o.shape[3]}: give one number per output pixel")
        if up.shape[0] != o.shape[1]:
            raise Usage(f"--upstream has {up.shape[0]} channels, but O has {o.shape[1]}")
    else:
        up = np.ones(o.shape[1:])
    if "mistake" in opts:
        return run_mistake(cmd, opts, o, leaves, geometry, up, format, dpi, digits, stdout)
    o.backward(up[None])
    symbolic = bool(opts.get("symbolic"))
    tex = opts.get("format", "svg") == TEX
    d = _engine(lambda: derive(o, digits=digits, symbolic=symbolic))
    if opts.get("deck"):   # no PDF route: refused before any output
        from .deck import DeckUnavailable, check_route
        try:
            check_route()
        except DeckUnavailable as e:
            raise Usage(str(e)) from None
    check_derivation(o, digits=digits, frames=True, symbolic=symbolic)  # the page budget, first
    out = prepare_out(opts.get("out", "chainrule-out"), len(d.frames), format, tex,  # "": refused
                      bool(opts.get("deck")))
    p = lambda line="": print(line, file=stdout)
    x = leaves[0]
    C = x.shape[1]
    short = Shorten(C)
    p(f"chainrule {cmd} ({geometry})" + (", in the lectures' notation" if symbolic else ""))
    p(maps_text("X", x.data[0], number))
    if cmd == "conv":
        w = leaves[1]
        p(maps_text("F", w.data[0], number))
    p()
    if symbolic:
        print_symbolic(p, cmd, d, o, up, number)
    elif cmd == "conv":
        print_conv(p, d, short, x, w, o, up, number, "stride 1," not in geometry, "upstream" in opts)
    else:
        print_pool(p, d, short, x, o, up, number, "upstream" in opts)
    p()
    if tex:
        title = f"chainrule {cmd} ({geometry})"
        write_file(out / "derivation.tex", tex_document(equations(o), title))
        p(f"LaTeX in {out}/derivation.tex")
    code = pictures(o, d, up[None], out, stdout, digits, symbolic, format, dpi)
    if opts.get("deck"):
        from .deck import derivation_deck
        print(f"slide deck: {derivation_deck(d, out / 'deck.pdf')} ({len(d.frames)} pages)", file=stdout)
    return code


def run_mistake(cmd, opts, o, leaves, geometry, up, format, dpi, digits, stdout):
    """--mistake NAME: the wrong engine beside the right one on this conv or pool."""
    names = {id(o): "O", id(leaves[0]): "X", **({id(leaves[1]): "F"} if cmd == "conv" else {})}
    lab, page, drawings = prepare(o, opts["mistake"], up[None], names, "E", digits, inputs=leaves)
    out = check_out(opts.get("out", "chainrule-out"), format)
    number = lambda v: format_number(v, digits)
    p = lambda line="": print(line, file=stdout)
    p(f"chainrule {cmd} ({geometry})")
    p(maps_text("X", leaves[0].data[0], number))
    if cmd == "conv":
        p(maps_text("F", leaves[1].data[0], number))
    p(maps_text("dE/dO (the upstream" + ("" if "upstream" in opts else ", ones by default") + ")",
                up, number))
    p()
    p(lab.report(digits))
    p()
    return write(lab, page, drawings, out, format, dpi, stdout)


class Shorten:
    """The frames name every entry with its channels (X[0][1,1], F[0][0][1,1]); the terminal
    drops the ones a single-output command line cannot vary: O's channel, always 0, and with
    one input channel X's and F's too."""

    def __init__(self, channels):
        self.channels = channels

    def __call__(self, text):
        text = text.replace("O[0][", "O[")        # also dE/dO[0][
        if self.channels == 1:
            return text.replace("F[0][0][", "F[").replace("X[0][", "X[").replace("x[0][", "X[")
        return text.replace("F[0][", "F[").replace("dE/dx[", "dE/dX[")


def maps_text(name, maps, number, head=" ="):
    """'X =' and its grid, or 'X[0] =', 'X[1] =' ... for several channels."""
    if len(maps) == 1:
        return f"{name}{head}\n" + grid_text(maps[0], number)
    return "\n".join(f"{name}[{c}]{head}\n" + grid_text(m, number) for c, m in enumerate(maps))


def frames_of(d, kind):
    return [f for f in d.frames if f.kind == kind]


def print_forward(p, d, short):
    """One line per output cell, the window's place after it (the stride's hops show)."""
    for f in frames_of(d, "forward")[1 if d.node.gate is CONV2D else 0:]:
        first, *rest = f.text.split("\n")
        where = rest[0].replace("window: ", "").split(";")[0] if rest and rest[0].startswith("window:") \
            else ""
        p("  " + short(first) + (f"    ({where})" if where else ""))


def print_conv(p, d, short, x, w, o, up, number, strided, given):
    C = x.shape[1]
    p("the forward pass: the filter slides over X, one output pixel at a time"
      + (" (summed over the channels)" if C > 1 else ""))
    print_forward(p, d, short)
    p("O = X (correlate) F =\n" + grid_text(o.data[0, 0], number))
    p("dE/dO (the upstream" + ("" if given else ", ones by default") + ") =\n" + grid_text(up[0], number))
    p()
    p("dE/dF = X (correlate) dE/dO: the upstream slides over X as a weight map")
    for f in frames_of(d, "weight"):
        p("  " + short(f.text))
    p(maps_text("dE/dF", w.grad.data[0], number))
    p()
    p("dE/dX, the scatter view: follow each X pixel to the outputs it fed, and add what they send back")
    for f in frames_of(d, "scatter view")[1:]:
        feeds, formula, *numbers = (short(line) for line in f.text.split("\n"))
        p("  " + feeds)
        p("    " + formula)
        for line in numbers:        # under the formula's '='
            p("    " + " " * (len(formula.split(" = ")[0]) + 1) + line.strip())
    p()
    p("dE/dX, the gather view: dE/dO zero-padded"
      + (" (upsampled first, for the stride)" if strided else "")
      + ", correlated with the filter rotated by 180 degrees")
    pad = next(f for f in d.frames if f.title.startswith(("zero-pad", "crop")))
    p(f"  {pad.title}")
    p("  padded dE/dO =\n" + grid_text(_values(pad.rows[0][0]), number, "      "))
    p(maps_text("  rot180(F)", w.data[0, :, ::-1, ::-1], number).replace("\n    ", "\n      "))
    for f in frames_of(d, "gather view"):
        if f.title.startswith("dE/dX["):
            p("  " + short(f.text))
    p()
    both = frames_of(d, "both")[0]
    p("dE/dX both ways: the scatter view = the gather view")
    for c in range(C):
        scatter, gather = (np.array(both.rows[c][k].values, dtype=float) for k in (0, 2))
        p(("" if C == 1 else f"  channel {c}\n") + side_by_side(scatter, gather, number))
    p("\n".join(short(line) for line in both.text.split("\n")[:3]))
    p(maps_text("dE/dX", x.grad.data[0], number))
    bias = frames_of(d, "bias")[0]
    p()
    p("dE/db (a bias added to O) = the sum of dE/dO: " + bias.text.split(" = ", 1)[1])


def print_pool(p, d, short, x, o, up, number, given):
    p(f"the forward pass: the {'max' if o.op == 'max_pool2d' else 'mean'} of each window")
    print_forward(p, d, short)
    p(maps_text(f"O = {o.op}(X)", o.data[0], number, head=" ="))
    p(maps_text("dE/dO (the upstream" + ("" if given else ", ones by default") + ")", up, number))
    p()
    for f in d.frames:
        if f.title.startswith("window"):
            text = short(f.text.replace(" of channel 0", "") if x.shape[1] == 1 else f.text)
            p("  " + text.replace("\n", "\n  "))
    final = next(f for f in d.frames if f.title.startswith("dE/dx: the parts added up"))
    p("the parts added up:")
    p("  " + short(final.text).replace("\n", "\n  "))
    p(maps_text("dE/dX", x.grad.data[0], number))


SECTION_HEADS = {
    "forward": "the forward pass",
    "weight": "dE/dF: each filter entry collects the upstream of every output it took part in",
    "input": "dE/dX: each X entry collects the upstream of every output it fed, times the entry it met",
    "bias": "dE/db: the bias reaches every output",
}


def print_symbolic(p, cmd, d, o, up, number):
    """Every equation of the derivation in symbols, each with its numbers under it."""
    from .derive.symbols import numbers_of
    numbers = numbers_of(o, up[None])
    for part, eqs in equations(o).items():
        p(SECTION_HEADS[part] if cmd == "conv" or part != "input" else
          "dE/dX: " + ("the router: each window's upstream goes to its largest entry"
                       if o.gate is MAX_POOL2D else "the distributor: each window shares its upstream"))
        for e in eqs:
            if e.terms:
                p(f"  {e.text()}")
                p("  " + " " * len(e.lhs.text()) + " = " + e.numbers_text(numbers, number))
        zeros = [e.lhs.text() for e in eqs if not e.terms]
        if zeros:
            why = "never the largest in a window" if o.gate is MAX_POOL2D else "they fed no output"
            p(f"  {' = '.join(zeros)} = 0 ({why})")
    if cmd == "conv":
        p("O =\n" + grid_text(o.data[0, 0], number))
        p("dE/dF =\n" + grid_text(d.engine["weight"][0, 0], number) if d.engine["weight"].shape[1] == 1
          else maps_text("dE/dF", d.engine["weight"][0], number))
    else:
        p(maps_text("O", o.data[0], number))
    p(maps_text("dE/dX", d.engine["input"][0], number))


def side_by_side(a, b, number, glue="   =   "):
    left, right = grid_text(a, number).split("\n"), grid_text(b, number, "").split("\n")
    middle = len(left) // 2
    return "\n".join(f"{a}{glue if k == middle else ' ' * len(glue)}{b}"
                      for k, (a, b) in enumerate(zip(left, right)))


def _values(panel):
    return np.array(panel.values, dtype=float)


def prepare_out(out, n_frames, format="svg", tex=False, deck=False):
    """Create ``out`` and frames/ and try every file a run writes there (no links followed, no
    folder where a file goes) before anything is printed: a Usage error if not."""
    names = [f"frames/frame-{k:03d}.{ext}" for k in range(1, n_frames + 1) for ext in ("gv", format)]
    names += ["derivation.tex"] if tex else []
    names += ["deck.pdf"] if deck else []
    try:
        return OutDir(out).check(["stepper.html", "stepper-derivation.html", *names]).path
    except UnsafePath as e:
        raise Usage(str(e)) from None


def pictures(o, d, up, out, stdout, digits=3, symbolic=False, format="svg", dpi=None):
    """frames/frame-NNN.FORMAT (each with its .gv), stepper.html and stepper-derivation.html."""
    frames = out / "frames"
    for old in frames.glob("frame-*.*"):
        if old.suffix in (".gv", *(f".{f}" for f in FORMATS)):
            old.unlink()   # a frame of an earlier run, in any format: stale
    dots = drawings(d)
    render_many(dots, [frames / f"frame-{k:03d}" for k in range(1, len(dots) + 1)], format, dpi)
    save_stepper(o, out / "stepper.html", grad=up,
                 derivation={"digits": digits, "symbolic": symbolic})
    print(f"pictures in {out}/ (frames/frame-001.{format} ... frame-{len(dots):03d}.{format}, "
          "stepper.html, stepper-derivation.html)", file=stdout)
    return 0


def main(argv, stdout=None, stderr=None):
    """argv[0] is 'conv' or 'pool'. Returns the exit status."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    return run_command(lambda: _command(argv[0], argv[1:], stdout), stdout, stderr)


def _command(cmd, argv, stdout):
    opts = parse_args(cmd, argv)
    if opts.get("help"):
        print(HELP.format(usage=USAGE[cmd], n=MAX_SIZE, c=MAX_CHANNELS), file=stdout)
        return 0
    return run(cmd, opts, stdout)
