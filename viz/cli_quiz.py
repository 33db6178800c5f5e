"""chainrule quiz: randomized backprop exercises, deterministic per seed.

    chainrule quiz --level scalar|vector|matmul|conv|pool [--count K] [--seed N] --out DIR

Writes DIR/quiz.html (interactive: type each downstream gradient), DIR/sheet.html (printable
exercise sheet) and DIR/answers.html (the answer key); with Chromium installed, also
sheet.pdf and answers.pdf (without it, one line on stderr says they were not made). Bad
options exit 2 with one line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .pdf import find_chromium, print_html
from .quiz import LEVELS, MAX_COUNT, generate, write_quiz
from .safe_files import write_file

USAGE = ("usage: chainrule quiz --level scalar|vector|matmul|conv|pool [--count K] [--seed N] "
         "--out DIR")
HELP = f"""{USAGE}

Generate K randomized backprop exercises (default 5, at most {MAX_COUNT}), the same ones for the
same --seed (default 0): quiz.html grades typed answers, sheet.html is the printable sheet,
answers.html the key (and PDFs of both when Chromium is installed).
"""


class QuizUsage(ValueError):
    """Bad command line (exit 2, one line)."""


def parse(argv):
    opts, given = {"count": "5", "seed": "0"}, set()
    it = iter(argv)
    for arg in it:
        if arg in ("-h", "--help"):
            return {"help": True}
        name, eq, value = arg.partition("=")
        if name not in ("--level", "--count", "--seed", "--out"):
            raise QuizUsage(f"unknown option '{arg}' ({USAGE})")
        if not eq:
            value = next(it, None)
            if value is None:
                raise QuizUsage(f"{name} needs a value")
        if name in given:  # which one was meant? (the conv and pool commands refuse it too)
            raise QuizUsage(f"{name} is given twice")
        given.add(name)
        opts[name[2:]] = value
    if "level" not in opts:
        raise QuizUsage(f"--level is required: one of {', '.join(LEVELS)}")
    if opts["level"] not in LEVELS:
        raise QuizUsage(f"--level must be one of {', '.join(LEVELS)}, got '{opts['level']}'")
    if "out" not in opts:
        raise QuizUsage("--out DIR is required (where to write quiz.html, sheet.html, answers.html)")
    for key, top in (("count", MAX_COUNT), ("seed", 2**32 - 1)):
        if not opts[key].isdigit() or not (1 if key == "count" else 0) <= int(opts[key]) <= top:
            low = 1 if key == "count" else 0
            raise QuizUsage(f"--{key} must be a whole number from {low} to {top}, got '{opts[key]}'")
        opts[key] = int(opts[key])
    out = Path(opts["out"])
    if out.exists() and not out.is_dir():
        raise QuizUsage(f"--out {out}: exists and is not a folder")
    return opts


def print_pdfs(paths):
    """PDFs of printable pages with headless Chromium; returns (the PDFs made, a one-line note
    naming those not made and why, or None). The sheets are HTML pages: only a browser lays
    them out, so without Chromium there are no PDFs, and the note says so."""
    names = ", ".join(Path(p).with_suffix(".pdf").name for p in paths)
    exe = find_chromium()
    if exe is None:
        return [], (f"{names} not made: printing the sheets to PDF needs Chromium (e.g. apt install "
                    "chromium); or print the .html pages from a browser")
    made, failed = [], []
    with tempfile.TemporaryDirectory(prefix="chainrule-pdf-") as tmp:
        for page in paths:   # Chromium writes in our folder; the PDF is copied without links
            try:
                pdf = print_html(exe, Path(page).read_text(encoding="utf-8"), tmp)
            except RuntimeError as e:
                failed.append((Path(page).with_suffix(".pdf").name, str(e)))
                continue
            made.append(write_file(Path(page).with_suffix(".pdf"), pdf))
    note = None
    if failed:
        note = f"{', '.join(n for n, _ in failed)} not made: {failed[0][1]}"
    return made, note


def main(argv, stdout, stderr):
    opts = parse(argv)
    if opts.get("help"):
        print(HELP, file=stdout)
        return 0
    exercises = generate(opts["level"], opts["count"], opts["seed"])
    pages = write_quiz(exercises, opts["out"], opts["level"], opts["seed"])
    pdfs, note = print_pdfs(pages[1:])
    names = ", ".join(Path(p).name for p in pages + pdfs)
    print(f"{len(exercises)} {opts['level']} exercises (seed {opts['seed']}) in {opts['out']}/ ({names})",
          file=stdout)
    if note:
        print(f"chainrule: note: {note}", file=stderr)
    return 0
