"""The lecture notebooks in demos/notebooks run top to bottom (nbclient), each copied into an
empty temporary folder (so they run from any folder once chainrule is installed, not only
inside the repository), are committed without outputs, and their steppers still work in a
static HTML export, each on its own, in Chromium."""

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CHROMIUM, chromium, frames_of

from viz.render import find_renderer

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed")
pytest.importorskip("ipykernel", reason="the notebooks extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
BOOKS = sorted((ROOT / "demos" / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")]


def installed():
    """Is chainrule importable outside the repository (installed into this Python)?"""
    done = subprocess.run([sys.executable, "-c", "import autograd, nn, viz; autograd.backprop_steps"],
                          cwd="/", capture_output=True, env={**os.environ, "PYTHONPATH": ""})
    return done.returncode == 0


def execute(path, folder):
    """Run a copy of the notebook in ``folder`` (empty but for the copy), as a user would."""
    copy = Path(shutil.copy(path, folder))
    nb = nbformat.read(copy, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def export_html(nb):
    """A static page from the executed notebook's outputs, as a notebook export shows them."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(f"<div class='md'><pre>{html.escape(cell.source)}</pre></div>")
            continue
        parts.append(f"<pre class='code'>{html.escape(cell.source)}</pre>")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(data["text/html"])
            elif "image/svg+xml" in data:
                parts.append(data["image/svg+xml"])
            elif "text" in out:
                parts.append(f"<pre>{html.escape(out['text'])}</pre>")
    return "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + "".join(parts) + \
        "</body></html>"


def test_there_are_four_lecture_notebooks_without_outputs():
    assert [p.name for p in BOOKS] == ["01_scalar_backprop.ipynb", "02_vector_matrix_backprop.ipynb",
                                       "03_conv_pool_backward.ipynb", "04_lenet_gradient_flow.ipynb"]
    for p in BOOKS:
        nb = json.loads(p.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code), p.name


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    if not installed():
        pytest.skip("chainrule is not installed in this Python (pip install -e .)")
    return {p.name: execute(p, tmp_path_factory.mktemp(p.stem)) for p in BOOKS}


def test_a_notebook_copied_into_an_empty_folder_runs(executed):
    """Cell 1 no longer looks for the repository (it ended in a bare StopIteration elsewhere)."""
    for name, nb in executed.items():
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, (name, errors[:1])


def test_notebooks_run_and_show_steppers_and_drawings(executed):
    for name, nb in executed.items():
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], name
        htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
        svgs = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
        assert svgs or any("<svg" in h for h in htmls), name
        if name != "04_lenet_gradient_flow.ipynb":
            assert any('class="chainrule-stepper' in h for h in htmls), name
    lenet = executed["04_lenet_gradient_flow.ipynb"]   # the live playback, finished: the whole page
    last = lenet.cells[-1].outputs
    pages = [o["data"]["text/html"] for o in last if "text/html" in o.get("data", {})]
    assert len(pages) == 1 and 'class="chainrule-playback"' in pages[0]
    assert 'data-training-step="40"' in pages[0] and 'class="chainrule-stepper' in pages[0]
    printed = "".join(o.get("text", "") for o in last)
    updates = int(printed.split(" live updates")[0].split()[-1])
    assert "11 recorded steps" in printed and updates == 11 + 1   # each record, then the finished page
    scalar = executed["01_scalar_backprop.ipynb"]
    text = "".join(o.get("text", "") for c in scalar.cells if c.cell_type == "code" for o in c.outputs)
    assert "[upstream 1] x [local -4] = [downstream -4]  -> q" in text
    assert "[local 3.35e-4]" in text  # the saturated sigmoid is not printed as 0
    # the mistakes lab: = instead of += (7 = 3 + 3 + 1 by hand), a recursion that visits x
    # after the 1 of the add but before the 3 + 3 of x*x, backward twice (x.grad = 2 y = 6)
    assert "first difference, in backprop order: x (right df/dx = 7, wrong df/dx = 3)" in text
    assert "first difference, in backprop order: x (right df/dx = 7, wrong df/dx = 1)" in text
    assert "wrong engine: df/dx = 6, df/dy = 4" in text
    assert text.count("so gradcheck says the right engine is the right one") == 3
    conv = executed["03_conv_pool_backward.ipynb"]
    outputs = [o for c in conv.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any('class="chainrule-stepper chainrule-mistake' in h and "wrong engine: no-flip" in h
               for h in htmls)
    assert "the engines agree on this graph: pool-overwrite" in text      # stride 2: no overlap
    assert "3 of 16 entries differ; the first, x[1, 1]: right 2, wrong 1" in text   # stride 1


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_exported_page_steppers_step_independently(executed, tmp_path):
    page = tmp_path / "scalar.html"
    page.write_text(export_html(executed["01_scalar_backprop.ipynb"]), encoding="utf-8")

    def dom(fragment):
        return chromium(tmp_path, "--dump-dom", f"file://{page}#{fragment}")

    def shown(text):
        return [[k for k, (_, hidden) in enumerate(frames) if not hidden] for frames in frames_of(text)]

    # four steppers: the lecture, the frames list, the quiz, the mistakes lab
    assert shown(dom("")) == [[0], [0], [0], [0]]
    assert shown(dom("click=next@1&click=next@1")) == [[2], [0], [0], [0]]
    assert shown(dom("click=next@3&click=next@3&step=1@2")) == [[0], [0], [2], [0]]
    assert shown(dom("step=4@4&click=next@1")) == [[1], [0], [0], [3]]
