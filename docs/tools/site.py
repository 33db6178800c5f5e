"""MkDocs hooks for `make docs` (named in mkdocs.yml): the site of docs/, made whole.

- The pages link to the repository's own files (`../demos/images/lecture.svg`, a notebook)
  so that they read right on a forge and in an editor. The site has no `..`: each such file
  is copied into the site under `repo/` and the links are pointed there.
- steppers.md is made here, at build time, with live steppers the engine draws now (the
  lecture's circuit, a copy gate, a quiz, a conv derivation): each is a self-contained page
  under `live/`, shown in a frame.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPO_LINK = re.compile(r"\]\(\.\./([^)#\s]+)")      # a Markdown link out of docs/ into the repository
_TMP = tempfile.TemporaryDirectory(prefix="chainrule-site-")


def steppers(folder: Path):
    """Write the live steppers into ``folder``; returns [(file name, title, what to look at)]."""
    import numpy as np

    import viz
    from autograd import Tensor, Value
    from autograd import functional as F
    from viz.derive import save_derivation

    made = []
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    viz.save_stepper(f, folder / "lecture.html", title="f = (x + y) * z")
    made.append(("lecture.html", "The lecture's circuit", "the forward pass, the seed, then the mul "
                 "gate (a swap multiplier) and the add gate (a distributor)."))

    x, y = Value(2.0, "x"), Value(1.0, "y")
    g = x * x + y.exp() / x
    g.label = "f"
    viz.save_stepper(g, folder / "copy-gate.html", title="f = x*x + exp(y)/x")
    made.append(("copy-gate.html", "A copy gate", "x is used three times, so backprop ends at its "
                 "copy point, the adder, which sums the three parts."))

    w, v, c = Value(2.0, "w"), Value(-3.0, "v"), Value(1.5, "c")
    h = (w * v + c).tanh()
    h.label = "h"
    viz.save_stepper(h, folder / "quiz.html", quiz=True, title="h = tanh(w * v + c)")
    made.append(("quiz.html", "An exercise that grades itself", "type each downstream gradient; "
                 "answers are checked to 1%."))

    X = Tensor([[[[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]]], requires_grad=True, label="X")
    W = Tensor([[[[1.0, 2], [3, 4]]]], requires_grad=True, label="F")
    O = F.conv2d(X, W)  # noqa: E741 (the lecture names the output O)
    O.label = "O"
    O.backward(np.array([[[[1.0, 2], [-1, 1]]]]))
    save_derivation(O, folder / "conv-derivation.html", title="conv2d, pixel by pixel")
    made.append(("conv-derivation.html", "A convolution's backward, pixel by pixel", "dE/dX and "
                 "dE/dW of the lecture's 3x3 input and 2x2 filter, one element per frame."))
    return made


def steppers_page(made) -> str:
    parts = ["# Live steppers", "",
             "Made by the engine when this site was built (`make docs`): each frame below is a",
             "stepper page as `viz.save_stepper` writes it. Click into one, then use the buttons, the",
             "arrow keys or the slider. How they are made: [teaching with chainrule](teaching.md).", ""]
    for name, title, about in made:
        parts += [f"## {title}", "", about, "",
                  f'<iframe src="live/{name}" title="{title}" loading="lazy" '
                  'style="width: 100%; height: 640px; border: 1px solid #ddd;"></iframe>', "",
                  f"[Open it on its own page](live/{name}).", ""]
    return "\n".join(parts)


def on_files(files, config):
    folder = Path(_TMP.name)
    made = steppers(folder)
    for name, _, _ in made:
        files.append(File.generated(config, f"live/{name}", abs_src_path=str(folder / name)))
    files.append(File.generated(config, "steppers.md", content=steppers_page(made)))

    docs = Path(config["docs_dir"])
    wanted = set()
    for page in files.documentation_pages():
        if page.abs_src_path and Path(page.abs_src_path).parent == docs:
            wanted.update(REPO_LINK.findall(Path(page.abs_src_path).read_text(encoding="utf-8")))
    for rel in sorted(wanted):
        target = (ROOT / rel).resolve()
        if ROOT in target.parents and target.is_file():     # a broken link stays broken: --strict says so
            files.append(File.generated(config, f"repo/{rel}", abs_src_path=str(target)))
    return files


def on_page_markdown(markdown, page, config, files):
    return REPO_LINK.sub(r"](repo/\1", markdown)
