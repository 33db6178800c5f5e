"""The mistakes lab (viz/mistakes): each wrong engine gives the wrong numbers its description
says, computed here by hand on a small case, gradcheck rejects it, the right engine passes,
and every swapped piece of the lesson is back in place afterwards."""

import threading

import numpy as np
import pytest

import autograd
from autograd import GradcheckError, Tensor, Value, gradcheck
from autograd import functional as F
from autograd.core import backward as driver
from autograd.ops.conv import CONV2D
from autograd.ops.pool import AVG_POOL2D, MAX_POOL2D, WINDOW_SCATTER2D
from autograd.ops.reductions import MEAN
from autograd.teaching import check
from viz.mistakes import MISTAKES, UnknownMistake, engine, mistake, variants, wrong_engine

SEVEN = ["overwrite", "no-topo", "twice", "no-unbroadcast", "pool-overwrite", "no-flip", "mean-no-divide"]


def wrong_grads(name, build, inputs, grad=None, calls=1):
    """Gradients of the inputs after ``build()``'s backward under the wrong engine."""
    with wrong_engine(name):
        out = build()
        for _ in range(calls):
            out.backward(grad)
    return [x.grad if isinstance(x, Value) else np.asarray(x.grad) for x in inputs]


def rejected(name, fn, inputs):
    """gradcheck passes on the right engine and raises under the wrong one."""
    assert gradcheck(fn, inputs)
    with wrong_engine(name), pytest.raises(GradcheckError):
        gradcheck(fn, inputs)
    return True


def test_the_seven_classic_mistakes_are_registered_with_a_sentence_each():
    assert set(SEVEN) <= set(MISTAKES)
    for m in MISTAKES.values():
        assert m.summary and m.real.startswith(("autograd/", "zero_grad")) and m.example
        assert "\n" not in m.summary and len(m.summary) < 100


# ---------------------------------------------------------------- the driver


def test_overwrite_keeps_the_last_part_at_a_copy_gate():
    # f = x*x + x at x = 3. Backprop visits the add (x gets 1), then the mul (x gets x = 3 for
    # each of its two inputs): right 1 + 3 + 3 = 7; with = the last part to arrive stays: 3.
    x = Value(3.0, "x")
    assert wrong_grads("overwrite", lambda: x * x + x, [x]) == [3.0]
    x.grad = 0.0
    (x * x + x).backward()
    assert x.grad == 7.0
    assert rejected("overwrite", lambda x: x * x + x, [Value(3.0)])


def test_overwrite_on_tensors():
    # f = sum(x*x + x), x = [1, 2]: the parts are 1 (add), then x and x (mul): right 2x + 1 = [3, 5],
    # wrong: the last part, x = [1, 2]
    x = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = wrong_grads("overwrite", lambda: (x * x + x).sum(), [x])
    np.testing.assert_array_equal(g, [1.0, 2.0])
    assert rejected("overwrite", lambda x: (x * x + x).sum(), [Tensor([1.0, 2.0], requires_grad=True)])


def test_no_topo_visits_a_node_before_all_its_consumers_sent_their_part():
    # f = x + x*x at 3. The recursion visits add, then its first input x: only the add's 1 has
    # arrived, x takes it; the mul's 3 + 3 come later and are never used. Right: 7.
    x = Value(3.0, "x")
    assert wrong_grads("no-topo", lambda: x + x * x, [x]) == [1.0]
    assert rejected("no-topo", lambda x: x + x * x, [Value(3.0)])


def test_no_topo_passes_a_partial_gradient_on_from_an_intermediate():
    # a = 2x (x = 3, a = 6), f = a + a*a. Right: df/da = 1 + 2a = 13, df/dx = 26. The recursion
    # visits add, then a with only the add's 1: a sends 1 * 2 = 2 to x; the mul's a + a = 12
    # reaches a after it was visited and is lost.
    x = Value(3.0, "x")

    def build():
        a = x * 2
        build.a = a
        return a + a * a
    assert wrong_grads("no-topo", build, [x]) == [2.0]
    assert build.a.grad == 1.0
    assert rejected("no-topo", lambda x: (lambda a: a + a * a)(x * 2), [Value(3.0)])


def test_twice_adds_the_second_pass_to_the_first():
    # f = x*y at (2, 3): df/dx = y = 3, df/dy = x = 2; two backward() calls never zeroed: 6, 4
    x, y = Value(2.0), Value(3.0)
    assert wrong_grads("twice", lambda: x * y, [x, y], calls=2) == [6.0, 4.0]
    assert rejected("twice", lambda x, y: x * y, [Value(2.0), Value(3.0)])


# ---------------------------------------------------------------- broadcasting


def test_no_unbroadcast_keeps_the_first_copys_gradient():
    # f = sum((x + b) * w), b (3,) broadcast over the 2 rows of x: df/d(x + b) = w, so
    # right df/db = the column sums of w = [5, 7, 9]; the first copy's gradient: row 0 = [1, 2, 3]
    w = np.array([[1.0, 2, 3], [4, 5, 6]])
    x, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    gx, gb = wrong_grads("no-unbroadcast", lambda: ((x + b) * w).sum(), [x, b])
    np.testing.assert_array_equal(gb, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gx, w)        # x is not broadcast: right either way
    assert rejected("no-unbroadcast", lambda x, b: ((x + b) * w).sum(),
                    [Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)])


def test_no_unbroadcast_along_a_kept_axis():
    # b (2, 1) broadcast along the columns: right = the row sums of w, [[6], [15]]; the first
    # copy (column 0): [[1], [4]]
    w = np.array([[1.0, 2, 3], [4, 5, 6]])
    x, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.zeros((2, 1)), requires_grad=True)
    _, gb = wrong_grads("no-unbroadcast", lambda: ((x + b) * w).sum(), [x, b])
    np.testing.assert_array_equal(gb, [[1.0], [4.0]])


# ---------------------------------------------------------------- pooling

PEAK = np.array([[1.0, 2, 1], [2, 9, 2], [1, 2, 1]])[None, None]     # 9 wins every 2x2 window
UP = np.array([[1.0, 2], [3, 4]])[None, None]


def test_pool_overwrite_keeps_one_of_the_parts_of_an_input_that_wins_several_windows():
    # 2x2 windows, stride 1, on PEAK: the 9 wins all four. Right: it gets 1 + 2 + 3 + 4 = 10.
    # The scatter loops over kernel offsets (0,0), (0,1), (1,0), (1,1); the centre is offset
    # (1 - a, 1 - b) of window (a, b), so window (0, 0) writes it last: it keeps UP[0, 0] = 1.
    x = Tensor(PEAK.copy(), requires_grad=True)
    (g,) = wrong_grads("pool-overwrite", lambda: F.max_pool2d(x, 2, stride=1), [x], grad=UP)
    want = np.zeros((3, 3))
    want[1, 1] = 1.0
    np.testing.assert_array_equal(g[0, 0], want)
    assert rejected("pool-overwrite", lambda x: F.max_pool2d(x, 2, stride=1),
                    [Tensor(PEAK + np.arange(9.0).reshape(PEAK.shape) / 100, requires_grad=True)])


def test_pool_overwrite_hides_when_windows_do_not_overlap():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    lab = mistake(F.max_pool2d(x, 2), "pool-overwrite")
    assert lab.first is None and lab.checks["wrong"].passed
    assert "the engines agree on this graph" in str(lab)


# ---------------------------------------------------------------- convolution

X = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
FILTER = np.array([[1.0, 2], [3, 4]])[None, None]


def test_no_flip_correlates_the_padded_upstream_with_the_filter_as_it_is():
    # upstream ones (2x2). Right: dX[p] = sum over the windows covering p of the filter entry
    # that met p: corner (0,0) only window (0,0) with F[0,0] = 1, centre all four: 1+2+3+4 = 10.
    # Wrong: dX[i, j] = sum over (u, v) of Upad[i + u, j + v] F[u, v], Upad = ones padded by 1:
    # at (0, 0) only Upad[1, 1] F[1, 1] = 4, at (0, 1) Upad[1, 1] F[1, 0] + Upad[1, 2] F[1, 1] = 7.
    right = np.array([[1.0, 3, 2], [4, 10, 6], [3, 7, 4]])
    wrong = np.array([[4.0, 7, 3], [6, 10, 4], [2, 3, 1]])
    x, w = Tensor(X.copy(), requires_grad=True), Tensor(FILTER.copy(), requires_grad=True)
    gx, gw = wrong_grads("no-flip", lambda: F.conv2d(x, w), [x, w], grad=np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(gx[0, 0], wrong)
    # the weight gradient is untouched: dF[u, v] = sum of the window of X at (u, v) = [[12, 16], [24, 28]]
    np.testing.assert_array_equal(gw[0, 0], [[12.0, 16], [24, 28]])
    x.grad = w.grad = None
    F.conv2d(x, w).backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(np.asarray(x.grad)[0, 0], right)
    assert rejected("no-flip", lambda x, w: F.conv2d(x, w),
                    [Tensor(X.copy(), requires_grad=True), Tensor(FILTER.copy(), requires_grad=True)])


def test_no_flip_hides_with_a_filter_symmetric_under_a_half_turn():
    x = Tensor(X.copy(), requires_grad=True)
    w = Tensor(np.array([[1.0, 2], [2, 1]])[None, None], requires_grad=True)
    assert mistake(F.conv2d(x, w), "no-flip", grad=np.ones((1, 1, 2, 2))).first is None


def test_no_flip_with_stride_padding_and_channels_is_the_unrotated_correlation():
    # by hand, with loops: wrong dX[c, i, j] = sum over o, a, b, u, v with a*s + u - p = i,
    # b*s + v - p = j of U[o, a, b] W[o, c, kh-1-u, kw-1-v] (the filter read rotated, which is
    # the unrotated correlation written as a scatter)
    rng = np.random.default_rng(0)
    xv, wv = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    up = rng.normal(size=(1, 3, 3, 3))
    x, w = Tensor(xv, requires_grad=True), Tensor(wv, requires_grad=True)
    (gx,) = wrong_grads("no-flip", lambda: F.conv2d(x, w, stride=2, padding=1), [x], grad=up)
    want = np.zeros((2, 7, 7))
    for o in range(3):
        for c in range(2):
            for a in range(3):
                for b in range(3):
                    for u in range(3):
                        for v in range(3):
                            want[c, a * 2 + u, b * 2 + v] += up[0, o, a, b] * wv[o, c, 2 - u, 2 - v]
    np.testing.assert_allclose(gx[0], want[:, 1:6, 1:6], atol=1e-12)


# ---------------------------------------------------------------- averages


def test_mean_no_divide_gives_every_element_the_whole_upstream():
    # f = mean(x), 4 elements: right 1/4 each; without the division: 1 each
    x = Tensor([1.0, 2, 3, 4], requires_grad=True)
    (g,) = wrong_grads("mean-no-divide", lambda: x.mean(), [x])
    np.testing.assert_array_equal(g, np.ones(4))
    assert rejected("mean-no-divide", lambda x: x.mean(), [Tensor([1.0, 2, 3, 4], requires_grad=True)])


def test_mean_no_divide_in_an_overlapping_average_pool():
    # 2x2 windows, stride 1, on 3x3, upstream ones: each input gets (windows covering it) / 4
    # right, (windows covering it) wrong: the counts are [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    counts = np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]])
    x = Tensor(X.copy(), requires_grad=True)
    pool = lambda x: F.avg_pool2d(x, 2, stride=1)
    (g,) = wrong_grads("mean-no-divide", lambda: pool(x), [x], grad=np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(g[0, 0], counts)
    assert rejected("mean-no-divide", pool, [Tensor(X.copy(), requires_grad=True)])


# ---------------------------------------------------------------- the lab


def test_the_lab_names_the_first_difference_in_backprop_order_and_leaves_the_right_gradients():
    x = Value(3.0, "x")
    f = x * x + x
    lab = mistake(f, "overwrite")
    assert lab.first is x
    assert [lab.gradients(n) for n in lab.order] == [(1.0, 1.0), (1.0, 1.0), (7.0, 3.0)]
    assert x.grad == 7.0                       # .grad holds the right engine's gradients afterwards
    assert lab.checks["right"].passed is True and lab.checks["wrong"].passed is False
    text = str(lab)
    assert "first difference, in backprop order: x (right df/dx = 7, wrong df/dx = 3)" in text
    assert "wrong engine: fails: df/dx: analytic 3 vs numerical 7" in text
    assert "the right engine adds the parts it receives: 3 + 3 + 1 = 7" in text


def test_twice_first_differs_at_the_output_itself():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = x * y
    lab = mistake(f, "twice")
    assert lab.first is f and lab.gradients(f) == (1.0, 2.0)


def test_every_swap_is_undone_and_the_kernels_are_back():
    # (conv2d's backward is not compared by identity: re-attaching the kernels wraps the
    # lesson's rules anew; what matters is that the wrong rule is gone)
    pieces = [(driver, "add_part"), (driver, "topological_order"), (check, "analytic_grad"),
              (Tensor, "_unbroadcast"), (WINDOW_SCATTER2D, "forward"), (MAX_POOL2D, "jacobian"),
              (CONV2D, "joint"), (CONV2D, "jacobian"), (MEAN, "backward"), (MEAN, "jacobian"),
              (AVG_POOL2D, "backward"), (AVG_POOL2D, "jacobian")]
    before = [getattr(t, n) for t, n in pieces]
    attached = autograd.KERNELS and autograd.kernels.attached()
    for name in MISTAKES:
        with pytest.raises(KeyError), wrong_engine(name):
            raise KeyError("an error inside the block")
        assert [getattr(t, n) for t, n in pieces] == before, name
        assert variants.input_grad_unrotated not in CONV2D.backward
    assert (autograd.KERNELS and autograd.kernels.attached()) == attached
    x = Tensor(X.copy(), requires_grad=True)      # and conv's gradient is right again
    F.conv2d(x, Tensor(FILTER.copy())).backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(np.asarray(x.grad)[0, 0], [[1.0, 3, 2], [4, 10, 6], [3, 7, 4]])


@pytest.mark.with_kernels
def test_the_wrong_engine_runs_on_the_lesson_alone():
    """The kernels' driver and conv's joint rule would hide a swapped piece: detached inside."""
    with wrong_engine("no-flip"):
        assert not autograd.kernels.attached() and CONV2D.joint is None
    assert autograd.kernels.attached() and CONV2D.joint is not None


def test_the_lab_holds_a_lock_while_the_wrong_engine_is_swapped_in():
    seen = []
    with wrong_engine("overwrite"):
        t = threading.Thread(target=lambda: seen.append(engine._LOCK.acquire(blocking=False)))
        t.start()
        t.join()
    assert seen == [False]


def test_a_wrong_engine_that_fails_is_reported_not_raised():
    x = Value(0.5, "x")
    f = x
    for _ in range(2000):       # deeper than Python's recursion limit: the recursion fails
        f = f * 1.0
    lab = mistake(f, "no-topo", check=False)
    assert lab.wrong.error.startswith("RecursionError") and lab.first is None
    assert "the wrong engine failed: RecursionError" in str(lab)
    assert x.grad == 1.0


def test_gradcheck_is_not_run_on_float32_inputs_and_says_so():
    x = Tensor(np.ones(3, np.float32), requires_grad=True, label="x")
    lab = mistake(x.mean(), "mean-no-divide")
    assert lab.checks["right"].passed is None
    assert lab.checks["right"].text == "not run: finite differences need float64 inputs (x is float32)"
    np.testing.assert_allclose(lab.gradients(x)[1], np.ones(3))    # the lab itself runs


def test_unknown_names_are_one_line():
    with pytest.raises(UnknownMistake, match=r"unknown mistake 'nope' \(known: overwrite, no-topo"):
        mistake(Value(1.0) * 2, "nope")
    with pytest.raises(UnknownMistake):
        mistake(Value(1.0) * 2, 3)


def test_the_page_pairs_the_two_passes():
    x = Value(3.0, "x")
    lab = mistake(x * x + x, "overwrite")
    page = lab.stepper().page()
    assert page.count('<div class="frame"') == 1 + 3           # the verdict, then 3 steps
    assert page.count('class="side right"') == page.count('class="side wrong"') == 4
    assert "[upstream 3 + 3 + 1] -&gt; [downstream 3] (not their sum)" in page   # the wrong adder
    assert "[upstream 3 + 3 + 1] = [downstream 7]" in page
    right, wrong = lab.drawings()
    assert 'peripheries=2' in right.source and 'peripheries=2' in wrong.source
    assert "3 (right: 7)" in wrong.source


def test_the_differing_entries_are_marked_in_tensor_drawings():
    x, w = Tensor(X.copy(), requires_grad=True, label="X"), Tensor(FILTER.copy(), requires_grad=True)
    lab = mistake(F.conv2d(x, w), "no-flip", grad=np.ones((1, 1, 2, 2)))
    _, wrong = lab.drawings()
    assert wrong.source.count('BGCOLOR="#ffe08a"') == 8        # 8 of 9 entries differ; the centre, 10, not
