"""poolproof.check and poolproof.testing: right implementations pass, planted bugs fail with a
readable message, and the report says what the golden checker found."""
import numpy
import pytest

import kernels
import poolproof
from poolproof.testing import assert_adaptive_pool_close

RNG = numpy.random.default_rng(20261203)


def normal(shape, dtype=numpy.float32):
    return RNG.standard_normal(shape).astype(dtype)


CASES = [((2, 3, 10), (4,)), ((1, 2, 9, 7), (4, 3)), ((2, 5, 6, 7), (3, 2, 4)), ((3, 5), (8,)),
         ((2, 11), (1,))]


@pytest.mark.parametrize("shape,size", CASES)
@pytest.mark.parametrize("order", ["pairwise", "forward", "reverse"])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_right_averages_in_any_summation_order_pass(shape, size, order, dtype):
    x = normal(shape, dtype)
    report = poolproof.check(kernels.avg_pool(x, size, order=order), x, size)
    assert report.passed and report.failed_elements == 0, str(report)
    assert report.elements == numpy.prod(x.shape[:x.ndim - len(size)]) * numpy.prod(size)


@pytest.mark.parametrize("shape,size", CASES)
def test_right_max_pooling_passes_exactly(shape, size):
    x = normal(shape)
    x.flat[::3] = 0.5  # ties
    assert_adaptive_pool_close(kernels.max_pool(x, size), x, size, op="adaptive_max_pool")


@pytest.mark.parametrize("shape,size", [((2, 3, 10), (4,)), ((1, 2, 9, 7), (4, 3)),
                                        ((1, 2, 9, 7), (2, 2))])
def test_right_backward_passes(shape, size):
    x = normal(shape)
    grad = normal(x.shape[:x.ndim - len(size)] + size)
    grad_input = kernels.avg_pool_backward(grad, x.shape, len(size))
    assert_adaptive_pool_close(grad_input, x, size, op="adaptive_avg_pool_backward",
                               grad_output=grad)
    _, indices = poolproof.adaptive_max_pool(x, size)
    grad_input = poolproof.adaptive_max_pool_backward(grad, indices, x.shape)
    assert_adaptive_pool_close(grad_input, x, size, op="adaptive_max_pool_backward",
                               grad_output=grad)


def failure(call):
    with pytest.raises(AssertionError) as caught:
        call()
    return str(caught.value)


@pytest.mark.parametrize("rule,shape,size", [
    ("short_last", (2, 3, 10), (4,)),
    ("floor", (2, 3, 10), (4,)),
    ("floor", (1, 2, 9, 7), (4, 3)),
])
def test_wrong_avg_windows_fail_with_a_readable_message(rule, shape, size):
    x = normal(shape)
    message = failure(lambda: assert_adaptive_pool_close(
        kernels.avg_pool(x, size, rule=rule), x, size))
    out_shape = list(x.shape[:-len(size)]) + list(size)
    assert message.startswith(f"adaptive_avg_pool float32, output {out_shape}: FAILED, ")
    assert "elements outside their error bound" in message and "\n  worst: output[" in message
    assert "exact " in message and "correctly rounded " in message and " ulp" in message
    assert "first failure: value at element" in message


def test_the_off_by_one_last_window_fails_every_plane_and_only_there():
    x = normal((2, 3, 10))
    report = poolproof.check(kernels.avg_pool(x, (4,), rule="short_last"), x, (4,))
    assert not report.passed and report.failed_elements == 6  # one per plane
    assert {report.worst.position[-1]} == {3}


def test_last_tie_max_fails_on_its_index():
    x = numpy.array([[[1, 3, 3, 2, 3, 3]]], numpy.float32)
    message = failure(lambda: assert_adaptive_pool_close(
        kernels.max_pool(x, (2,), ties="last"), x, (2,), op="adaptive_max_pool"))
    assert message.startswith("adaptive_max_pool float32, output [1, 1, 2]: FAILED, 2 of 2 "
                              "elements wrong")
    assert "worst: indices[0, 0, 0] = 2, expected 1 (PyTorch's first maximal element" in message
    assert "first failure: index at element 0: 2, expected 1" in message


def test_last_tie_max_passes_when_any_tie_is_accepted():
    x = numpy.array([[[1, 3, 3, 2, 3, 3]]], numpy.float32)
    assert_adaptive_pool_close(kernels.max_pool(x, (2,), ties="last"), x, (2,),
                               op="adaptive_max_pool", ties="any")


def test_floor_end_backward_fails():
    x = normal((2, 3, 10))
    grad = normal((2, 3, 4))
    message = failure(lambda: assert_adaptive_pool_close(
        kernels.avg_pool_backward(grad, x.shape, 1, rule="floor"), x, (4,),
        op="adaptive_avg_pool_backward", grad_output=grad))
    assert message.startswith("adaptive_avg_pool_backward float32, grad_input [2, 3, 10]: FAILED")
    assert "worst: grad_input[" in message


def test_max_backward_to_the_last_tie_fails():
    x = numpy.array([[[1, 3, 3, 2, 3, 3]]], numpy.float32)
    grad = numpy.array([[[1, 2]]], numpy.float32)
    _, last = kernels.max_pool(x, (2,), ties="last")
    wrong = poolproof.adaptive_max_pool_backward(grad, last, x.shape)
    report = poolproof.check(wrong, x, 2, "adaptive_max_pool_backward", grad_output=grad)
    # Expected: 1 at index 1 and 2 at index 4; the wrong kernel put them at 2 and 5.
    assert not report.passed and report.failed_elements == 4


def test_float16_accumulation_fails_the_float32_contract_and_passes_any_order():
    x = (RNG.random((2, 300)) + 1).astype(numpy.float16)
    in_float16 = kernels.avg_pool(x, (3,), order="forward", accumulate=numpy.float16)
    in_float32 = kernels.avg_pool(x, (3,), order="forward", accumulate=numpy.float32)
    # The any-order bound admits a float16 accumulator; PyTorch's contract (opmath) does not.
    assert poolproof.check(in_float16, x, 3).passed
    assert poolproof.check(in_float32, x, 3, accumulation="float32").passed
    message = failure(lambda: assert_adaptive_pool_close(in_float16, x, 3,
                                                         accumulation="float32"))
    assert message.startswith("adaptive_avg_pool float16, output [2, 3]: FAILED, ")
    assert "elements outside their error bound" in message and "\n  worst: output[" in message


def test_float16_accumulation_backward_fails_the_float32_contract():
    # 2 -> 300: each input is covered by about 150 windows, whose shares a float16 kernel sums
    # in float16.
    x = numpy.ones((1, 3, 2), numpy.float16)
    grad = (RNG.random((1, 3, 300)) + 1).astype(numpy.float16)
    in_float16 = kernels.avg_pool_backward(grad, x.shape, 1, accumulate=numpy.float16)
    in_float32 = kernels.avg_pool_backward(grad, x.shape, 1, accumulate=numpy.float32)
    check = lambda result, rule: poolproof.check(result, x, 300, "adaptive_avg_pool_backward",
                                                 grad_output=grad, accumulation=rule).passed
    assert check(in_float16, "any") and check(in_float32, "float32")
    assert not check(in_float16, "float32")


def test_an_unknown_accumulation_is_refused():
    x = normal((1, 4))
    with pytest.raises(ValueError, match="accumulation must be 'any' or 'float32', got 'float64'"):
        poolproof.check(poolproof.adaptive_avg_pool(x, 2), x, 2, accumulation="float64")


def test_report_counts_elements_off_the_correctly_rounded_value():
    x = (RNG.standard_normal((4, 64)) * 1e3).astype(numpy.float32)
    sequential = kernels.avg_pool(x, (3,), order="forward")
    report = poolproof.check(sequential, x, 3)
    assert report.passed and bool(report)
    rounded = poolproof.adaptive_avg_pool(x, 3)
    assert report.off_rounded == numpy.count_nonzero(sequential != rounded) > 0
    assert report.max_error_ulps > 0 and report.worst.bound_ulps > report.worst.error_ulps
    assert 0 < report.worst.bound_used <= 1 and report.message == ""
    assert report.max_bound_used == report.worst.bound_used
    strict = poolproof.check(sequential, x, 3, strict=True)
    assert not strict.passed and strict.failed_elements == report.off_rounded


def test_the_oracle_passes_itself_strictly():
    x = normal((2, 3, 13, 11))
    report = poolproof.check(poolproof.adaptive_avg_pool(x, (5, 4)), x, (5, 4), strict=True)
    assert report.passed and report.off_rounded == 0 and report.max_error_ulps == 0


@pytest.mark.parametrize("call,error,message", [
    (lambda x: poolproof.check(poolproof.adaptive_max_pool(x, 2)[0], x, 2, "adaptive_max_pool"),
     ValueError, "adaptive_max_pool is checked with its indices: pass indices="),
    (lambda x: poolproof.check(x, x, 2, "adaptive_avg_pool_backward"),
     ValueError, "adaptive_avg_pool_backward needs grad_output"),
    (lambda x: poolproof.check(x, x, 2), ValueError, r"output has shape \[1, 4\], expected \[1, 2\]"),
    (lambda x: poolproof.check(x, x, 2, "adaptive_sum_pool"), ValueError, "unknown op"),
    (lambda x: poolproof.check(x[:, :2], x, 2, ties="some"), ValueError,
     "ties must be 'first' or 'any', got 'some'"),
    (lambda x: poolproof.check(x[:, :2].astype(numpy.float64), x, 2), TypeError,
     "output holds float64, not float32"),
])
def test_check_refuses_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call(normal((1, 4)))


def test_assert_adaptive_pool_close_prepends_msg_and_returns_the_report():
    x = normal((1, 6))
    assert assert_adaptive_pool_close(poolproof.adaptive_avg_pool(x, 4), x, 4).passed
    message = failure(lambda: assert_adaptive_pool_close(
        numpy.zeros((1, 4), numpy.float32) + 100, x, 4, msg="my kernel on 6 -> 4"))
    assert message.startswith("my kernel on 6 -> 4\nadaptive_avg_pool float32")
