"""viz.playback and `chainrule train`: the page of a training run, its numbers, its size and
its budget; viz.slots: drawings laid out once and refilled per step."""

import json
import re
from html import unescape

import pytest
from helpers import run

import viz.budget as budget
from autograd.teaching.display import format_number
from nn import training
from viz.collapse import draw_modules
from viz.playback import Playback, record_run, steps_recorded
from viz.render import find_renderer, render_svgs
from viz.slots import Slots, Templates

pytestmark = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def texts(svg):
    return [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def page_data(html):
    raw = re.search(r'<script type="application/json" class="pb-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw)


def test_a_refilled_template_reads_like_the_drawing_made_directly():
    task = training.moons_task(3)
    templates, made = Templates(), []
    for step in task.steps(3):
        slots = Slots(3)
        made.append(templates.add(draw_modules(step.loss, task.model, fmt=slots, details=True), slots))
        direct = draw_modules(step.loss, task.model, details=True)
        made[-1] += (render_svgs([direct])[0],)
    assert len(templates) == 1                    # one layout for every step
    (template,) = templates.render()
    for _, filled, direct in made:
        assert texts(template.fill(filled)) == texts(direct)   # the same words and numbers
    assert made[0][1] != made[-1][1]              # and the numbers did change


def test_a_drawing_of_another_shape_gets_its_own_template():
    task = training.moons_task(1)
    step = next(task.steps(1))
    templates = Templates()
    slots = Slots(3)
    a = templates.add(draw_modules(step.loss, task.model, fmt=slots), slots)
    slots = Slots(3)
    b = templates.add(draw_modules(step.loss, task.model, fmt=slots, details=True), slots)
    assert (a[0], b[0]) == (0, 1) and len(templates) == 2


def test_recorded_steps_and_the_budget_count_the_same():
    for steps, every in [(20, 1), (20, 3), (10, 5), (11, 5), (1, 1), (999, 2), (1000, 2)]:
        assert budget.recorded(steps, every) == len(steps_recorded(steps, every))
    assert budget.default_every(20) == 1 and budget.recorded(1000, budget.default_every(1000)) <= 101


@pytest.fixture(scope="module")
def moons20(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    code, stdout, err = run("train", "--model", "moons", "--steps", "20", "--out", str(out))
    assert code == 0, err
    return out, (out / "playback.html").read_text(encoding="utf-8"), stdout


def test_train_writes_one_self_contained_page_with_the_last_step(moons20):
    out, page, stdout = moons20
    assert sorted(p.name for p in out.iterdir()) == ["playback.html"]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)   # no network
    assert not re.search(r"url\(\s*['\"]?https?:", page, re.I) and "@import" not in page
    data = page_data(page)
    assert [s["step"] for s in data["steps"]] == list(range(1, 21))   # every step, the last too
    assert 'data-training-step="20"' in page and "training step 20 of 20" in page
    last = data["steps"][-1]
    assert last["loss"] in stdout.splitlines()[-2] and "step 20" in stdout
    # the page's boundary letters are the model's scores at that step, 48 x 32 cells
    assert len(last["grid"]) == 48 * 32 and set(last["grid"]) <= set("abcdefghijklmnopqrstu")
    # the backward stepper: one text per gate step, this step's numbers
    assert len(last["texts"]) == page.count('<div class="frame" data-index=')


def test_the_recorded_numbers_are_the_runs(tmp_path):
    task = training.moons_task(4)
    losses = []
    rec = record_run(task, 4, 2, on_record=lambda r, s: losses.append(s.loss.item()))
    assert [r["step"] for r in rec.records] == [1, 3, 4]
    assert [r["loss"] for r in rec.records] == [format_number(v, 3) for v in losses]
    page = Playback(rec)
    svgs, captions = page.deck_frames()
    assert len(svgs) == 3 and captions[-1].startswith("training step 4 of 4")


@pytest.mark.slow
def test_five_hundred_recorded_steps_of_moons_stay_under_30_mb(tmp_path):
    code, _, err = run("train", "--model", "moons", "--steps", "500", "--every", "1", "--out", str(tmp_path))
    assert code == 0, err
    size = (tmp_path / "playback.html").stat().st_size
    assert size < 30_000_000 and len(page_data((tmp_path / "playback.html").read_text())["steps"]) == 500


@pytest.mark.parametrize("argv, says", [
    (["--model", "moons", "--steps", "2000", "--every", "1"], "records 2000 steps (the limit is 500"),
    (["--model", "lenet", "--steps", "5000"], "--steps 5000 is too many for lenet"),
    (["--model", "mnist", "--steps", "5"], "--model must be one of moons, lenet"),
    (["--model", "moons", "--steps", "0"], "--steps must be a whole number from 1"),
    (["--model", "moons", "--steps", "x"], "--steps must be a whole number"),
    (["--model", "moons", "--steps", "5", "--every", "5", "--every", "2"], "--every is given twice"),
    (["--model", "moons", "--steps", "5"], "missing --out"),
])
def test_train_refuses_in_one_line_before_training(tmp_path, argv, says):
    out = tmp_path / "o"
    code, stdout, err = run("train", *argv, *([] if "missing" in says else ["--out", str(out)]))
    assert code == 2 and stdout == "" and err.count("\n") == 1 and says in err, err
    assert not out.exists()


def test_train_help_and_the_over_budget_hint_works(tmp_path):
    code, stdout, _ = run("train", "--help")
    assert code == 0 and "--every K" in stdout and "--deck" in stdout
    _, _, err = run("train", "--model", "moons", "--steps", "2000", "--every", "1", "--out", str(tmp_path))
    every = int(re.search(r"use --every (\d+)", err).group(1))
    assert budget.check_training("moons", 2000, every, ValueError) <= budget.MAX_RECORDED


def test_train_tunes_the_allocator_when_the_kernels_run(tmp_path, monkeypatch):
    import autograd
    calls = []
    if autograd.KERNELS:
        monkeypatch.setattr(autograd.kernels, "tune_allocator", lambda: calls.append("tuned"))
    code, _, err = run("train", "--model", "moons", "--steps", "2", "--out", str(tmp_path))
    assert code == 0, err
    assert calls == (["tuned"] if autograd.KERNELS else [])
