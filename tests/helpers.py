"""Helpers several test files share: the CLI in-process, headless Chromium, and a conv's
batch-last memory."""

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from viz import cli
from viz.pdf import HEADLESS, find_chromium
from viz.render import find_renderer

CHROMIUM = find_chromium()
NEEDS_CHROMIUM = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
]
# pytestmark for a page drawn with Graphviz and loaded in Chromium
NEEDS_BROWSER = [
    *NEEDS_CHROMIUM,
    pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed"),
]


def _graphviz_pure():
    found = shutil.which("graphviz-pure")
    here = Path(sys.executable).parent / "graphviz-pure"
    return found or (str(here) if here.is_file() else None)


PURE = _graphviz_pure()            # the graphviz-pure renderer, also when the venv is not on PATH
SYSTEM_DOT = shutil.which("dot")   # the system Graphviz
FLAGS = [*HEADLESS, "--hide-scrollbars"]


def run(*argv):
    """chainrule's main in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def cli_budget_bench():
    """benchmarks/cli_budget_bench.py as a module (benchmarks/ is not a package)."""
    import importlib.util
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "cli_budget_bench.py"
    spec = importlib.util.spec_from_file_location("cli_budget_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def chromium(tmp_path, *args):
    """Headless Chromium with a throw-away profile under tmp_path; returns its stdout."""
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def frames_of(dom):
    """[(index, hidden)] for each frame, per stepper, in page order."""
    out = []
    for block in re.split(r'<div class="chainrule-stepper', dom)[1:]:
        tags = re.findall(r'<div class="frame"[^>]*>', block)
        out.append([(int(re.search(r'data-index="(\d+)"', t).group(1)), "hidden" in t) for t in tags])
    return out


def refuses_fifo(load, fifo, seconds=10):
    """Call ``load()`` on a thread: it must raise (not block in open() waiting for a writer).
    A blocked loader is freed by opening the FIFO for writing, so the test fails, not hangs.
    Returns the exception raised."""
    import os
    import threading

    caught = []

    def call():
        try:
            load()
        except BaseException as e:
            caught.append(e)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(seconds)
    blocked = t.is_alive()
    if blocked:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # a writer appears and leaves: EOF
        t.join(seconds)
    assert not blocked, f"the loader blocked on the FIFO {fifo}"
    assert caught, "a FIFO was loaded"
    return caught[0]


def batch_last(a):
    """a's numbers in (C, H, W, N) memory, seen as (N, C, H, W) (a conv's output)."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
