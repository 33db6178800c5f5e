"""chainrule quiz: randomized backprop exercises, deterministic per seed.

    chainrule quiz --level scalar|vector|matmul|conv|pool [--count K] [--seed N] --out DIR

Writes DIR/quiz.html (interactive: type each downstream gradient), DIR/sheet.html (printable
exercise sheet) and DIR/answers.html (the answer key); with Chromium installed, also
sheet.pdf and answers.pdf (without it, one line on stderr says they were not made). Bad
options exit 2 with one line; PDFs Chromium could not print within PDF_SECONDS are named in
one line, exit 1 (the HTML pages are written).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from autograd.safe_files import _kind

from .cli_errors import Usage, parse_options, quote, whole_number
from .pdf import find_chromium, print_html
from .quiz import LEVELS, MAX_COUNT, generate, write_quiz
from .render import RenderError
from .safe_files import OutDir, write_file

PDF_SECONDS = 30   # for all the PDFs of a run: Chromium prints a page in 1-4 s

USAGE = ("usage: chainrule quiz --level scalar|vector|matmul|conv|pool [--count K] [--seed N] "
         "--out DIR")
HELP = f"""{USAGE}

Generate K randomized backprop exercises (default 5, at most {MAX_COUNT}), the same ones for the
same --seed (default 0): quiz.html grades typed answers, sheet.html is the printable sheet,
answers.html the key (and PDFs of both when Chromium is installed).
"""


class QuizUsage(Usage):
    """Bad command line (exit 2, one line)."""


class PdfFailed(RenderError):
    """Chromium did not print a page (exit 1, one line; the HTML pages are written)."""


def parse(argv):
    opts = {"count": "5", "seed": "0"}
    given = parse_options(argv, ("level", "count", "seed", "out"), (), "quiz", f" ({USAGE})")
    if given.get("help"):
        return given
    opts.update(given)
    if "level" not in opts:
        raise QuizUsage(f"--level is required: one of {', '.join(LEVELS)}")
    if opts["level"] not in LEVELS:
        raise QuizUsage(f"--level must be one of {', '.join(LEVELS)}, got '{quote(opts['level'])}'")
    if "out" not in opts:
        raise QuizUsage("--out DIR is required (where to write quiz.html, sheet.html, answers.html)")
    opts["count"] = whole_number(opts["count"], "count", 1, MAX_COUNT)
    opts["seed"] = whole_number(opts["seed"], "seed", 0, 2**32 - 1)
    OutDir(opts["out"])  # empty or unprintable: refused now (the folder is checked when written)
    return opts


def print_pdfs(paths, seconds=None):
    """PDFs of printable pages with headless Chromium; returns (the PDFs made, a one-line note
    when there is no Chromium, else None). The sheets are HTML pages: only a browser lays them
    out, so without Chromium there are no PDFs, and the note says so.

    Chromium gets ``seconds`` (default PDF_SECONDS) for all the pages together; a page it
    fails to print raises PdfFailed naming it, after the PDFs already printed are written.
    A stale PDF of a page is removed first, so no PDF is ever older than its page."""
    exe = find_chromium()
    for page in paths:
        old = Path(page).with_suffix(".pdf")
        if _kind(old) == "file":
            old.unlink()
    if exe is None:
        names = ", ".join(Path(p).with_suffix(".pdf").name for p in paths)
        return [], (f"{names} not made: printing the sheets to PDF needs Chromium (e.g. apt install "
                    "chromium); or print the .html pages from a browser")
    seconds = PDF_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + seconds
    made = []
    with tempfile.TemporaryDirectory(prefix="chainrule-pdf-") as tmp:
        for page in paths:   # Chromium writes in our folder; the PDF is copied without links
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise RuntimeError(f"the {seconds:g} s for printing PDFs ran out")
                pdf = print_html(exe, Path(page).read_text(encoding="utf-8"), tmp, timeout=left)
            except RuntimeError as e:
                missing = ", ".join(Path(p).with_suffix(".pdf").name for p in paths[len(made):])
                raise PdfFailed(f"no {missing}: {e} (printing {Path(page).name}); the HTML pages "
                                "are written") from None
            made.append(write_file(Path(page).with_suffix(".pdf"), pdf))
    return made, None


def main(argv, stdout, stderr):
    opts = parse(argv)
    if opts.get("help"):
        print(HELP, file=stdout)
        return 0
    exercises = generate(opts["level"], opts["count"], opts["seed"])
    pages = write_quiz(exercises, opts["out"], opts["level"], opts["seed"])
    note = None
    try:
        (pdfs, note), failed = print_pdfs(pages[1:]), None
    except PdfFailed as e:
        pdfs, failed = [p for p in (Path(q).with_suffix(".pdf") for q in pages[1:]) if p.is_file()], e
    names = ", ".join(Path(p).name for p in pages + pdfs)
    print(f"{len(exercises)} {opts['level']} exercises (seed {opts['seed']}) in {opts['out']}/ "
          f"({names})", file=stdout)  # --out is printable: OutDir refused anything else
    if note:
        print(f"chainrule: note: {note}", file=stderr)
    if failed is not None:
        raise failed
    return 0
