"""chainrule conv / chainrule pool: a conv's or a pool's backward, pixel by pixel.

    chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" [--upstream "..."]
                   [--stride S] [--padding P] [--dilation D] [--digits N] [--out DIR]
    chainrule pool --input "..." --kernel K [--stride S] [--padding P] [--mode max|avg]
                   [--upstream "..."] [--digits N] [--out DIR]

Prints the forward result, the upstream (ones unless given), the gradients and the lecture's
derivation, and writes the frames and the derivation stepper into DIR. Matrices: rows
separated by ';', numbers by spaces; nothing is evaluated. Bad input exits with status 2
and one line on stderr.
"""

from __future__ import annotations

import re
import sys

import numpy as np

from autograd import Tensor
from autograd import functional as F
from autograd.display import MAX_DIGITS, format_number

from .cli_errors import Usage, quote, run_command, whole_number
from .derive import derive, drawings
from .derive.model import MAX_SIZE
from .derive.page import check_derivation
from .render import render_many
from .safe_files import OutDir, UnsafePath
from .stepper import save_stepper

MAX_TEXT = 2000
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
USAGE = {
    "conv": 'usage: chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" '
            "[--upstream M] [--stride S] [--padding P] [--dilation D] [--digits N] [--out DIR]",
    "pool": 'usage: chainrule pool --input "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4" --kernel K '
            "[--stride S] [--padding P] [--mode max|avg] [--upstream M] [--digits N] [--out DIR]",
}
OPTIONS = {
    "conv": {"input", "filter", "upstream", "stride", "padding", "dilation", "digits", "out"},
    "pool": {"input", "kernel", "upstream", "stride", "padding", "mode", "digits", "out"},
}
HELP = """{usage}

Matrices: rows separated by ';', numbers by spaces, at most {n}x{n} (e.g. "1 2; 3 4").
--upstream is dE/dO (default: ones, always printed). --digits: significant digits (3).
--out DIR (default ./chainrule-out) receives frames/frame-NNN.svg, stepper.html and
stepper-derivation.html (the graph beside the pixel frames).
"""


def parse_matrix(text, name):
    """A 2-D float array from 'a b; c d' (no eval): rows by ';', numbers by whitespace."""
    if len(text) > MAX_TEXT:
        raise Usage(f"--{name} is too long ({len(text)} characters, at most {MAX_TEXT})")
    rows = [r.split() for r in text.split(";")]
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


def parse_int(opts, name, default, low, high):
    text = opts.get(name)
    return default if text is None else whole_number(text, name, low, high)


def parse_args(cmd, argv):
    opts = {}
    it = iter(argv)
    for arg in it:
        if arg in ("-h", "--help"):
            return {"help": True}
        if not arg.startswith("--"):
            raise Usage(f"unexpected argument '{quote(arg, 30)}' (options start with --)")
        name, eq, value = arg[2:].partition("=")
        if name not in OPTIONS[cmd]:
            raise Usage(f"unknown option '--{quote(name, 30)}' for chainrule {cmd}")
        if not eq:
            value = next(it, None)
            if value is None or value.startswith("--"):
                raise Usage(f"--{name} needs a value")
        if name in opts:
            raise Usage(f"--{name} is given twice")
        opts[name] = value
    for need in ("input", "filter" if cmd == "conv" else "kernel"):
        if need not in opts:
            raise Usage(f"missing --{need} ({USAGE[cmd][7:]})")
    return opts


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
    X = parse_matrix(opts["input"], "input")
    W = parse_matrix(opts["filter"], "filter")
    s = parse_int(opts, "stride", 1, 1, MAX_SIZE)
    p = parse_int(opts, "padding", 0, 0, MAX_SIZE)
    d = parse_int(opts, "dilation", 1, 1, MAX_SIZE)
    span = [d * (k - 1) + 1 for k in W.shape]
    if any(e > n + 2 * p for e, n in zip(span, X.shape)):
        raise Usage(f"the filter ({W.shape[0]}x{W.shape[1]}, span {span[0]}x{span[1]} with "
                    f"dilation {d}) is larger than the padded input "
                    f"({X.shape[0] + 2 * p}x{X.shape[1] + 2 * p})")
    x = Tensor(X[None, None], requires_grad=True, label="X")
    w = Tensor(W[None, None], requires_grad=True, label="F")
    o = _engine(lambda: F.conv2d(x, w, stride=s, padding=p, dilation=d))
    o.label = "O"
    return o, (x, w), f"stride {s}, padding {p}, dilation {d}"


def build_pool(opts):
    X = parse_matrix(opts["input"], "input")
    k = parse_int(opts, "kernel", None, 1, MAX_SIZE)
    s = parse_int(opts, "stride", k, 1, MAX_SIZE)
    p = parse_int(opts, "padding", 0, 0, MAX_SIZE)
    mode = opts.get("mode", "max")
    if mode not in ("max", "avg"):
        raise Usage(f"--mode must be max or avg, got '{quote(mode, 20)}'")
    if k > min(X.shape) + 2 * p:
        raise Usage(f"the kernel {k}x{k} is larger than the padded input "
                    f"({X.shape[0] + 2 * p}x{X.shape[1] + 2 * p})")
    x = Tensor(X[None, None], requires_grad=True, label="X")
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    o = _engine(lambda: pool(x, k, stride=s, padding=p))
    o.label = "O"
    return o, (x,), f"{mode}, kernel {k}x{k}, stride {s}, padding {p}"


def run(cmd, opts, stdout):
    digits = parse_int(opts, "digits", 3, 1, MAX_DIGITS)
    number = lambda v: format_number(v, digits)
    o, leaves, geometry = build_conv(opts) if cmd == "conv" else build_pool(opts)
    if max(o.shape[-2:]) > MAX_SIZE:
        raise Usage(f"the output would be {o.shape[2]}x{o.shape[3]}: too large to draw "
                    f"(at most {MAX_SIZE}x{MAX_SIZE}; use less padding)")
    if "upstream" in opts:
        up = parse_matrix(opts["upstream"], "upstream")
        if up.shape != o.shape[-2:]:
            raise Usage(f"--upstream is {up.shape[0]}x{up.shape[1]}, but O is "
                        f"{o.shape[2]}x{o.shape[3]}: give one number per output pixel")
    else:
        up = np.ones(o.shape[-2:])
    o.backward(up[None, None])
    d = _engine(lambda: derive(o, digits=digits))
    check_derivation(o, digits=digits, frames=True)  # the page budget, before anything is printed
    out = prepare_out(opts.get("out", "chainrule-out"), len(d.frames))  # "" stays empty: refused
    p = lambda line="": print(line, file=stdout)
    x = leaves[0]
    p(f"chainrule {cmd} ({geometry})")
    p("X =\n" + grid_text(x.data[0, 0], number))
    if cmd == "conv":
        w = leaves[1]
        p("F =\n" + grid_text(w.data[0, 0], number))
        p("O = X (correlate) F =\n" + grid_text(o.data[0, 0], number))
    else:
        p(f"O = {o.op}(X) =\n" + grid_text(o.data[0, 0], number))
    p("dE/dO (the upstream" + ("" if "upstream" in opts else ", ones by default") + ") =\n"
      + grid_text(up, number))
    p()
    if cmd == "conv":
        p("dE/dF = X (correlate) dE/dO: the upstream slides over X as a weight map")
        for f in d.frames:
            if f.title.startswith("dE/dF"):  # the frames name the filter by its label, F
                p("  " + f.text.replace("dE/dF[0][0]", "dE/dF"))
        p("dE/dF =\n" + grid_text(w.grad.data[0, 0], number))
        p()
        p("dE/dX = the full convolution: dE/dO zero-padded"
          + (" (upsampled first, for the stride)" if "stride 1," not in geometry else "")
          + ", correlated with the filter rotated by 180 degrees")
        pad = next(f for f in d.frames if f.title.startswith(("zero-pad", "crop")))
        p(f"  {pad.title}")
        p("  padded dE/dO =\n" + grid_text(_values(pad.rows[0][0]), number, "      "))
        p("  rot180(F) =\n" + grid_text(w.data[0, 0, ::-1, ::-1], number, "      "))
        for f in d.frames:
            if f.title.startswith("dE/dX"):
                p("  " + f.text.replace("dE/dX[0]", "dE/dX"))
        p("dE/dX =\n" + grid_text(x.grad.data[0, 0], number))
        bias = next(f for f in d.frames if f.title.startswith("dE/db"))
        p()
        p("dE/db (a bias added to O) = the sum of dE/dO: " + bias.text.split(" = ", 1)[1])
    else:
        for f in d.frames:
            if f.title.startswith("window"):
                text = f.text.replace(" of channel 0", "").replace("dE/dx[0]", "dE/dX")
                p("  " + text.replace("\n", "\n  "))
        final = next(f for f in d.frames if f.title.startswith("dE/dx: the parts added up"))
        p("the parts added up:")
        p("  " + final.text.replace("dE/dx[0]", "dE/dX").replace("\n", "\n  "))
        p("dE/dX =\n" + grid_text(x.grad.data[0, 0], number))
    p()
    return pictures(o, d, up[None, None], out, stdout)


def _values(panel):
    return np.array(panel.values, dtype=float)


def prepare_out(out, n_frames):
    """Create ``out`` and frames/ and try every file a run writes there (no links followed, no
    folder where a file goes) before anything is printed: a Usage error if not."""
    names = [f"frames/frame-{k:03d}.{ext}" for k in range(1, n_frames + 1) for ext in ("gv", "svg")]
    try:
        return OutDir(out).check(["stepper.html", "stepper-derivation.html", *names]).path
    except UnsafePath as e:
        raise Usage(str(e)) from None


def pictures(o, d, up, out, stdout):
    """frames/frame-NNN.svg (each with its .gv), stepper.html and stepper-derivation.html."""
    frames = out / "frames"
    for old in frames.glob("frame-*.*"):
        if old.suffix in (".gv", ".svg"):
            old.unlink()
    dots = drawings(d)
    render_many(dots, [frames / f"frame-{k:03d}" for k in range(1, len(dots) + 1)])
    save_stepper(o, out / "stepper.html", grad=up, derivation=True)
    print(f"pictures in {out}/ (frames/frame-001.svg ... frame-{len(dots):03d}.svg, "
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
        print(HELP.format(usage=USAGE[cmd], n=MAX_SIZE), file=stdout)
        return 0
    return run(cmd, opts, stdout)
