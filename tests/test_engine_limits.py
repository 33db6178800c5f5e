"""Hostile inputs that reach the engine (issue 23, items 7, 9, 10 and 11): work that grows
quadratically, sizes the machine cannot hold, floats that overflow, and arguments that
ended in other projects' errors. Each refusal is one line naming the op and the argument,
raised before any work is done."""

import math
import signal
from contextlib import contextmanager

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value
from autograd import functional as F
from autograd.ops.arguments import MAX_ELEMENTS


@contextmanager
def deadline(seconds):
    """Fail (not hang) when the block runs past ``seconds``: a generous bound at sizes where
    quadratic work would take minutes and linear work takes about a second. Not a timing
    assertion: it only stops the run that cannot finish."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s: quadratic work?")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _one_line(info):
    assert "\n" not in str(info.value), str(info.value)
    return str(info.value)


# ---------------------------------------------------------------- 7: linear in the number of inputs

def test_a_variadic_rule_gets_the_inputs_once_not_spread_for_every_input(declare):
    """Spreading n inputs into each of n rule calls copies n^2 references (30,000 inputs to
    concat: 10 s in backward). The rule gets them as one tuple: the same object every time."""
    seen = []

    def rule(i, g, out, xs, **params):
        seen.append(xs)
        return g[i]
    join = declare("join_for_test", autograd.Pattern.SPLIT, lambda *xs: np.stack(xs), backward=rule)
    xs = [Tensor(float(i), requires_grad=True) for i in range(50)]
    join(*xs).backward(np.arange(50.0))
    assert len(seen) == 50 and len({id(xs) for xs in seen}) == 1
    assert [x.grad.item() for x in xs] == list(range(50))


@pytest.mark.slow
@pytest.mark.parametrize("join", [autograd.concat, autograd.stack])
def test_concat_and_stack_of_100000_scalars_backpropagate(join):
    """Quadratic, this is ~10^10 copies (minutes); linear, about a second."""
    n = 100_000
    xs = [Tensor(np.array([float(i)]) if join is autograd.concat else float(i), requires_grad=True)
          for i in range(n)]
    with deadline(60):
        y = join(xs)
        y.backward(np.arange(y.size, dtype=float).reshape(y.shape))
    assert xs[0].grad.item() == 0.0 and xs[-1].grad.item() == n - 1
    with deadline(60):
        (g,) = autograd.grad((y * y).sum(), [xs[7]], create_graph=True)
    assert g.item() == 14.0


@pytest.mark.slow
def test_backprop_steps_of_a_value_used_100000_times():
    """One copy gate with 100,000 parts, and 200,001 steps in all."""
    n = 100_000
    v = Value(2.0, "v")
    with deadline(60):
        total = sum(v * float(i) for i in range(n))
        steps = autograd.backprop_steps(total)
    copies = [s for s in steps if s.op == "copy"]
    assert len(copies) == 1 and len(copies[0].upstream) == n
    assert copies[0].downstream == (float(sum(range(n))),)


# ---------------------------------------------------------------- 9: sizes refused before any work

SIZE = r"the {} would be \({}\): ([\d,]+) numbers, more than the 268,435,456 \(2 GiB of float64\)"


@pytest.mark.parametrize("call, op, what, shape", [
    (lambda: Tensor(np.ones(1)).broadcast_to((10**6, 10**6)).sum(), "broadcast_to", "output",
     "1000000, 1000000"),
    (lambda: Tensor(np.ones((1, 1))).expand(10**6, 10**6).sum(), "expand", "output", "1000000, 1000000"),
    (lambda: Tensor(np.ones(3)).repeat(10**5, 10**4), "repeat", "output", "100000, 30000"),
    (lambda: Tensor(np.ones(3)).tile(10**9), "tile", "output", "3000000000,"),
    (lambda: F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding=16000), "conv2d",
     "padded input", "1, 1, 32004, 32004"),
    (lambda: F.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), stride=10**5),
     "conv_transpose2d", "output", "1, 1, 300002, 300002"),
    (lambda: F.upsample2d(np.ones((1, 1, 4, 4)), 10**5), "upsample2d", "output", "1, 1, 300001, 300001"),
    (lambda: F.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), 10**7), "adaptive_avg_pool2d", "output",
     "1, 1, 10000000, 10000000"),
    (lambda: F.adaptive_avg_pool2d(np.ones((1, 1, 17000, 1)), (20000, 1)), "adaptive_avg_pool2d",
     "averaging matrix", "20000, 17000"),
    (lambda: F.interpolate(np.ones((1, 1, 4, 4)), scale_factor=10**5), "interpolate", "output",
     "1, 1, 400000, 400000"),
    (lambda: F.pad(np.ones((1, 1, 4, 4)), (10**5, 10**5, 10**5, 10**5)), "pad", "output",
     "1, 1, 200004, 200004"),
])
def test_a_size_the_machine_cannot_hold_is_refused_before_any_work(call, op, what, shape):
    with deadline(20), pytest.raises(ValueError, match=f"^{op}: " + SIZE.format(what, shape)) as info:
        call()
    assert _one_line(info).endswith("; refused before computing")


def test_the_budget_admits_what_a_lecture_needs():
    """A LeNet batch of 64 on 32x32 inputs, a 4096x4096 broadcast and a 2x upsampling."""
    x = Tensor(np.ones((64, 1, 32, 32)))
    assert F.conv2d(x, np.ones((6, 1, 5, 5)), padding=2).shape == (64, 6, 32, 32)
    assert Tensor(np.ones(1)).broadcast_to((4096, 4096)).sum().item() == 4096 ** 2
    assert F.interpolate(x, scale_factor=2).shape == (64, 1, 64, 64)
    assert math.prod((16384, 16384)) == MAX_ELEMENTS     # exactly at the budget: accepted
    assert Tensor(np.ones(1)).broadcast_to((16384, 16384)).shape == (16384, 16384)


def test_adaptive_average_pooling_windows_are_torch_s():
    """The averaging matrix is built by numpy now (10**7 rows were 15 s of Python): each
    output i averages inputs floor(i n / o) .. ceil((i + 1) n / o) - 1, checked by a loop."""
    from autograd.compose.resize import average_matrix
    for n, o in ((5, 3), (3, 5), (7, 7), (1, 4), (6, 1)):
        expect = np.zeros((o, n))
        for i in range(o):
            start, end = math.floor(i * n / o), math.ceil((i + 1) * n / o)
            expect[i, start:end] = 1.0 / (end - start)
        np.testing.assert_allclose(average_matrix(n, o, np.float64), expect, rtol=1e-15)
    y = F.adaptive_avg_pool2d(np.arange(6.0).reshape(1, 1, 2, 3), (10**5, 1))
    assert y.shape == (1, 1, 10**5, 1)
    np.testing.assert_allclose(y.data[0, 0, [0, -1], 0], [1.0, 4.0], rtol=1e-15)


# ---------------------------------------------------------------- 10: a Value that overflows

@pytest.mark.parametrize("call, message", [
    (lambda: Value(1e308) * 10, r"mul: 1e\+308 \* 10\.0 overflows a float"),
    (lambda: 10 * Value(1e308), r"mul: 10\.0 \* 1e\+308 overflows a float"),
    (lambda: Value(1e308) + Value(1e308), r"add: 1e\+308 \+ 1e\+308 overflows a float"),
    (lambda: Value(-1e308) - 1e308, r"sub: -1e\+308 - 1e\+308 overflows a float"),
    (lambda: Value(1e300) / 1e-10, r"div: 1e\+300 / 1e-10 overflows a float"),
    (lambda: Value(1e200).square(), r"square: overflows a float at x=1e\+200"),
    (lambda: Value(1e200) ** 2, r"pow: 1e\+200 \*\* 2 overflows a float"),
    (lambda: Value(1000.0).exp(), r"exp: overflows a float at x=1000\.0"),
])
def test_a_value_op_refuses_a_result_that_overflows(call, message):
    """A Value op gives a float or says why not, like exp and ** always did: + - * / no
    longer slip an inf through where Python's float would."""
    with pytest.raises(ValueError, match=f"^{message}$") as info:
        call()
    _one_line(info)


def test_infinite_values_still_compute_like_floats():
    """Only an overflow from finite numbers is refused; inf in, inf out."""
    assert (Value(math.inf) * 2).data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)


def test_pow_s_gradient_overflow_is_refused_in_one_line_not_raised_by_python():
    x = Value(1e-5)
    y = x ** -61                                            # 1e305: a float
    with pytest.raises(ValueError, match=r"^pow: gradient of x \*\* -61 overflows a float at x=1e-05$"):
        y.backward()
    with pytest.raises(ValueError, match=r"^pow: .*overflows a float"):
        autograd.grad(x ** -61, [x], create_graph=True)   # the same refusal, recorded
    x = Value(10.0)
    with pytest.raises(ValueError, match=r"^pow: gradient of x \*\* 308 overflows a float at x=10\.0$"):
        (x ** 308).backward()


def test_a_gradient_that_overflows_in_a_plain_backward_is_inf_and_says_nothing():
    """x + (1 ** -1e308) ** -1e308 at x = 1: every value is 1, each pow's local gradient is
    -1e308, and their product, the constant's gradient, is inf (IEEE, like torch); the
    step-through prints it without a numpy warning (the command line refuses it)."""
    import warnings
    x, c = Value(1.0, "x"), Value(1.0)
    f = x + (c ** -1e308) ** -1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = autograd.backprop_steps(f)
        text = "\n".join(str(s) for s in steps)
    assert steps[-1].downstream == (math.inf,) and "[downstream inf]" in text
    f.backward()
    assert x.grad == 1.0 and c.grad == math.inf


# ---------------------------------------------------------------- 11: one line naming the argument

@pytest.mark.parametrize("call, error, message", [
    (lambda: F.interpolate(np.ones((1, 1, 4, 4)), scale_factor=math.inf), ValueError,
     r"^interpolate: scale_factor must be 2 positive finite number\(s\), got inf$"),
    (lambda: F.interpolate(np.ones((1, 1, 4, 4)), scale_factor=math.nan), ValueError,
     r"^interpolate: scale_factor must be 2 positive finite number\(s\), got nan$"),
    (lambda: F.interpolate(np.ones((1, 1, 4, 4)), size=True), ValueError,
     r"^interpolate: size must be 2 positive int\(s\), got True$"),
    (lambda: F.interpolate(np.ones((1, 1, 4, 4)), scale_factor=True), ValueError,
     r"^interpolate: scale_factor must be 2 positive finite number\(s\), got True$"),
    (lambda: F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), stride=2**70), ValueError,
     r"^conv2d: stride 1180591620717411303424 is larger than any size here \(at most 268,435,456\)$"),
    (lambda: F.max_pool2d(np.ones((1, 1, 4, 4)), 2, stride=2**70), ValueError,
     r"^max_pool2d: stride 1180591620717411303424 is larger than any size here"),
    (lambda: F.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), 1.5), ValueError,
     r"^adaptive_avg_pool2d: output_size must be a positive int or a pair \(None keeps an axis\), "
     r"got 1\.5$"),
    (lambda: F.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), True), ValueError,
     r"^adaptive_avg_pool2d: output_size must be"),
    (lambda: Tensor(np.ones(6)).reshape(1.5, 4), TypeError,
     r"^reshape: sizes must be ints, got \(1\.5, 4\)$"),
    (lambda: Tensor(np.ones(6)).reshape(True, 6), TypeError,
     r"^reshape: sizes must be ints, got \(True, 6\)$"),
    (lambda: Tensor(np.ones(6)).var(correction=-10**9), ValueError,
     r"^var: correction must be a finite number >= 0, got -1000000000$"),
    (lambda: Tensor(np.ones(6)).std(correction=math.inf), ValueError,
     r"^var: correction must be a finite number >= 0, got inf$"),
    (lambda: Tensor(np.ones(6)).var(correction="1"), TypeError,
     r"^var: correction must be a number, got str$"),
    (lambda: F.batch_norm(np.ones((2, 3)), None, None, eps=math.nan), ValueError,
     r"^batch_norm: eps must be a finite number >= 0, got nan$"),
])
def test_bad_arguments_are_one_line_errors_naming_the_op_and_argument(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    _one_line(info)


def test_correction_keeps_torch_s_meaning_where_it_is_accepted():
    a = np.arange(6.0)
    t = Tensor(a)
    assert t.var(correction=0).item() == pytest.approx(a.var())
    assert t.var(correction=1.5).item() == pytest.approx(((a - a.mean()) ** 2).sum() / 4.5)
    assert t.var(correction=6).item() == math.inf          # no degrees of freedom left (torch)
