"""PDF without the system dot: graphviz-pure's SVG printed to PDF by headless Chromium.

graphviz-pure writes svg and png only. Chromium prints a tiny page holding the SVG, with
`@page` sized to the SVG's own width and height: one tight page, vector, fonts embedded.
Chromium only ever sees files in the caller's private temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# headless and quiet: no sandbox (root in CI), no GPU, and no background connections, which a
# closed network refuses many at a time (shared with the demos' screenshots and the tests)
HEADLESS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage")
_UNITS = {"pt": 1.0, "px": 0.75, "in": 72.0, "": 0.75}  # CSS: 1px = 0.75pt


def find_chromium():
    """Path of a Chromium-like browser on PATH, or None."""
    return next((shutil.which(n) for n in BROWSERS if shutil.which(n)), None)


def svg_size(svg):
    """(width, height) in pt of the root <svg> element; ValueError when it has none."""
    tag = re.search(r"<svg\b[^>]*>", svg)
    sizes = []
    for name in ("width", "height"):
        m = tag and re.search(rf'\s{name}="([\d.]+)\s*(pt|px|in|)"', tag.group(0))
        if not m:
            raise ValueError(f"the SVG has no {name} in pt, px or in")
        sizes.append(float(m.group(1)) * _UNITS[m.group(2)])
    return tuple(sizes)


def page_html(svg):
    """A page holding only ``svg`` (text from its <svg> tag on), one page the SVG's size."""
    w, h = svg_size(svg)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>"
            f"@page {{ size: {w:g}pt {h:g}pt; margin: 0 }}"
            "html, body { margin: 0; padding: 0; overflow: hidden }"
            f"svg {{ display: block; width: {w:g}pt; height: {h:g}pt }}"
            f"</style></head><body>{svg}</body></html>")


def print_pdf(chromium, svg, tmp, timeout=120):
    """PDF bytes of ``svg`` (text from its <svg> tag on), one page of its size, printed by
    ``chromium`` in the private folder ``tmp``. Raises RuntimeError with one line on failure."""
    return print_html(chromium, page_html(svg), tmp, timeout)


def print_html(chromium, html, tmp, timeout=120):
    """PDF bytes of a self-contained page (its own @page rules decide the paper), printed by
    ``chromium`` in the private folder ``tmp``. Raises RuntimeError with one line on failure."""
    tmp = Path(tmp)
    page, pdf = tmp / "page.html", tmp / "page.pdf"
    page.write_text(html, encoding="utf-8")
    pdf.unlink(missing_ok=True)
    args = [chromium, *HEADLESS, "--no-pdf-header-footer", f"--user-data-dir={tmp / 'profile'}",
            f"--print-to-pdf={pdf}", page.as_uri()]
    done = _run(args, timeout)
    if done is None:
        raise RuntimeError(f"{Path(chromium).name} took more than {timeout:.0f} s to print a PDF")
    if done.returncode != 0 or not pdf.is_file():
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{Path(chromium).name} could not print the PDF (exit {done.returncode})"
                           + (f": {err[-1]}" if err else ""))
    return pdf.read_bytes()


def _run(args, timeout):
    """Run Chromium in a session of its own -> CompletedProcess, or None after ``timeout``
    seconds, when the whole session (the browser and the helpers it started) is killed:
    a hanging Chromium leaves nothing running behind."""
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as e:
        raise RuntimeError(f"cannot run {args[0]} ({e})") from None
    try:
        out, err = proc.communicate(timeout=max(timeout, 0.01))
    except subprocess.TimeoutExpired:
        _kill_session(proc)
        for pipe in (proc.stdout, proc.stderr):  # not read: a helper outside the group may hold them
            pipe.close()
        proc.wait()
        return None
    except BaseException:
        _kill_session(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _kill_session(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # the group we started: proc.pid leads it
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
