"""chainrule mistakes, and --mistake NAME on explain, conv and pool: the mistakes lab.

    chainrule mistakes            the classic wrong backprops, one line each
    chainrule mistakes NAME       one of them: what it does, the real rule, a command to see it
    chainrule explain "x*x + x" x=3 --mistake overwrite
    chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" --mistake no-flip

With --mistake the command runs the wrong engine beside the right one on the same input,
prints both gradients, the first node where they differ (in backprop order) and gradcheck's
verdict on each, and writes DIR/mistake.html (the two backward passes side by side) and
DIR/right.FORMAT, DIR/wrong.FORMAT (the graph with each engine's gradients, the first
difference outlined). viz/mistakes/ holds the lab.
"""

from __future__ import annotations

from .cli_errors import Usage, quote
from .mistakes import MISTAKES, MistakeLab, UnknownMistake, find
from .render import render_many
from .safe_files import OutDir, UnsafePath

USAGE = "usage: chainrule mistakes [NAME]"


def main(argv, stdout):
    """chainrule mistakes [NAME]: the list, or one mistake in full."""
    if argv and argv[0] in ("-h", "--help"):
        print(f"{USAGE}\n\nList the classic wrong backprops (or describe NAME). Each runs beside the "
              "right engine with\n--mistake NAME on chainrule explain, conv and pool.", file=stdout)
        return 0
    if len(argv) > 1:
        raise Usage(f"chainrule mistakes takes at most one name, got {len(argv)} arguments ({USAGE})")
    if argv:
        m = mistake_name(argv[0], "chainrule mistakes")
        m = find(m)
        for line in (f"{m.name}: {m.summary}", f"  the real rule: {m.real}",
                     f"  shows on: {m.shows}", f"  try: {m.example}"):
            print(line, file=stdout)
        return 0
    width = max(len(n) for n in MISTAKES)
    print("the classic wrong backprops (run one beside the right engine with --mistake NAME on "
          "explain, conv or pool):", file=stdout)
    for m in MISTAKES.values():
        print(f"  {m.name.ljust(width)}  {m.summary}", file=stdout)
    print("\nchainrule mistakes NAME shows the real rule and a command that shows the mistake.", file=stdout)
    return 0


def mistake_name(text, what="--mistake"):
    """A known mistake's name, else a Usage error (one line listing the known ones)."""
    try:
        return find(text).name
    except UnknownMistake:
        raise Usage(f"{what}: unknown mistake '{quote(str(text), 30)}' "
                    f"(known: {', '.join(MISTAKES)})") from None


def check_out(out_dir, format):
    """Create --out and try every file the lab writes there, before anything is printed."""
    names = ["mistake.html", *(f"{n}.{ext}" for n in ("right", "wrong") for ext in ("gv", format))]
    try:
        return OutDir(out_dir).check(names).path
    except UnsafePath as e:
        raise Usage(str(e)) from None


def prepare(root, name, grad, names, output, digits, inputs=None):
    """(the lab, its side-by-side stepper, its two result drawings): all the work, before
    anything is printed (the page budget is checked here)."""
    lab = MistakeLab(root, name, grad=grad, names=names, output=output, inputs=inputs)
    return lab, lab.stepper(digits), lab.drawings(digits)


def write(lab, page, drawings, out, format, dpi, stdout):
    """DIR/mistake.html, DIR/right.FORMAT and DIR/wrong.FORMAT (each with its .gv)."""
    render_many(list(drawings), [out / "right", out / "wrong"], format, dpi)
    OutDir(out).write("mistake.html", page.page())
    print(f"pictures in {out}/ (mistake.html: the two backward passes side by side; right.{format}, "
          f"wrong.{format}: each engine's gradients, the first difference outlined)", file=stdout)
    return 0
