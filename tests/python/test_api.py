"""The contract of poolproof's exact pooling from Python: values, dtypes, layouts and errors."""
import math
from fractions import Fraction

import numpy
import pytest
import torch

import poolproof


def ramp(shape, dtype):
    return numpy.arange(math.prod(shape), dtype=dtype).reshape(shape)


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_avg_of_the_seed_ramp_5_to_3(dtype):
    out = poolproof.adaptive_avg_pool(ramp((1, 5), dtype), 3)
    assert out.dtype == dtype and out.shape == (1, 3)
    assert out.tolist() == [[0.5, 2.0, 3.5]]  # windows [0,2) [1,4) [3,5)


@pytest.mark.parametrize("shape,size", [((2, 3, 11), (4,)), ((2, 7, 5), (3, 8)),
                                        ((1, 2, 5, 4, 6), (2, 3, 4)), ((3, 13), (1,))])
def test_float64_results_are_the_correctly_rounded_exact_means(shape, size):
    # Python's float(Fraction) rounds correctly (an integer true division), independently of us.
    x = numpy.random.default_rng(7).standard_normal(shape) * 1e3
    fast = poolproof.adaptive_avg_pool(x, size)
    exact = poolproof.adaptive_avg_pool(x, size, exact=True)
    assert fast.shape == exact.shape == shape[:len(shape) - len(size)] + size
    assert [float(v) for v in exact.flat] == fast.flatten().tolist()


def test_float32_results_are_within_half_an_ulp_of_the_exact_means():
    x = (numpy.random.default_rng(3).standard_normal((4, 9, 10)) * 100).astype(numpy.float32)
    fast = poolproof.adaptive_avg_pool(x, (4, 3))
    exact = poolproof.adaptive_avg_pool(x, (4, 3), exact=True)
    for r, e in zip(fast.flat, exact.flat):
        below = numpy.nextafter(r, numpy.float32(-numpy.inf))
        above = numpy.nextafter(r, numpy.float32(numpy.inf))
        assert (Fraction(float(below)) + Fraction(float(r))) / 2 <= e
        assert e <= (Fraction(float(r)) + Fraction(float(above))) / 2


def test_avg_follows_ieee_rules_for_infinities_and_nan():
    x = numpy.array([[1.0, numpy.inf, -numpy.inf, 2.0]])
    assert poolproof.adaptive_avg_pool(x, 2).tolist() == [[numpy.inf, -numpy.inf]]
    assert numpy.isnan(poolproof.adaptive_avg_pool(x, 1)).all()
    exact = poolproof.adaptive_avg_pool(x, 2, exact=True)
    assert exact.tolist() == [[math.inf, -math.inf]]
    assert math.isnan(poolproof.adaptive_avg_pool(x, 1, exact=True)[0, 0])


def test_a_zero_mean_is_positive_zero():
    out = poolproof.adaptive_avg_pool(numpy.array([[-0.0, -0.0]]), 1)
    assert out[0, 0] == 0 and not math.copysign(1, out[0, 0]) < 0


def test_max_takes_the_first_maximum_and_the_last_nan():
    values, indices = poolproof.adaptive_max_pool(numpy.array([[1, numpy.nan, 3, numpy.nan, 2]]), 1)
    assert numpy.isnan(values[0, 0]) and indices.tolist() == [[3]]
    values, indices = poolproof.adaptive_max_pool(numpy.array([[3.0, 1, 3, 2]]), 1)
    assert values.tolist() == [[3.0]] and indices.tolist() == [[0]]
    assert indices.dtype == numpy.int64


def test_max_returns_the_winning_element_bit_for_bit():
    values, indices = poolproof.adaptive_max_pool(numpy.array([[-0.0, 0.0]], numpy.float32), 1)
    assert math.copysign(1, values[0, 0]) < 0 and indices.tolist() == [[0]]
    exact, _ = poolproof.adaptive_max_pool(numpy.array([[-0.0, -1.0]]), 1, exact=True)
    assert isinstance(exact[0, 0], float) and math.copysign(1, exact[0, 0]) < 0


def test_max_indices_are_flat_within_the_spatial_plane():
    x = numpy.zeros((2, 3, 4))
    x[1, 2, 3] = 5
    _, indices = poolproof.adaptive_max_pool(x, (1, 1))
    assert indices.tolist() == [[[0]], [[11]]]


def test_exact_values_are_fractions():
    exact = poolproof.adaptive_avg_pool(numpy.array([[1.0, 2.0, 4.0]]), 1, exact=True)
    assert exact.dtype == object and exact[0, 0] == Fraction(7, 3)
    assert isinstance(exact[0, 0], Fraction)


def test_avg_backward_spreads_each_gradient_over_its_window():
    grad = numpy.array([[3.0, 6.0, 4.0]])
    exact = poolproof.adaptive_avg_pool_backward(grad, (1, 5), exact=True)
    # 5 -> 3 windows [0,2) [1,4) [3,5): 3/2, 3/2 + 2, 2, 2 + 2, 2
    assert exact.tolist() == [[Fraction(3, 2), Fraction(7, 2), 2, 4, 2]]
    assert poolproof.adaptive_avg_pool_backward(grad, (1, 5)).tolist() == [[1.5, 3.5, 2, 4, 2]]


def test_max_backward_adds_gradients_at_their_argmax():
    x = numpy.array([[0.0, 9.0, 1.0, 2.0, 0.0]])
    values, indices = poolproof.adaptive_max_pool(x, 3)
    assert indices.tolist() == [[1, 1, 3]]
    grad = numpy.array([[1.0, 2.0, 4.0]])
    assert poolproof.adaptive_max_pool_backward(grad, indices, x.shape).tolist() == \
        [[0, 3, 0, 4, 0]]
    exact = poolproof.adaptive_max_pool_backward(grad, indices, x.shape, exact=True)
    assert exact.tolist() == [[0, 3, 0, 4, 0]]


def test_backward_spatial_dims_default_and_explicit():
    grad = numpy.ones((2, 3, 4), numpy.float32)
    assert poolproof.adaptive_avg_pool_backward(grad, (2, 3, 8)).shape == (2, 3, 8)  # 1-D
    two_d = poolproof.adaptive_avg_pool_backward(grad, (2, 6, 8), spatial_dims=2)  # [C, H, W]
    assert two_d.shape == (2, 6, 8) and two_d.sum() == pytest.approx(24.0)


def test_bfloat16_as_uint16_bit_patterns():
    bits = numpy.array([[0x3F80, 0x4000, 0x4080]], numpy.uint16)  # 1, 2, 4
    out = poolproof.adaptive_avg_pool(bits, 1, dtype="bfloat16")
    assert out.dtype == numpy.uint16
    # 7/3 to bfloat16's 8 significant bits: 1.0010101|01... -> 1.0010101 = 2.328125 = 0x4015,
    # what torch gives by rounding its float mean once.
    expected = torch.tensor([1.0, 2.0, 4.0], dtype=torch.bfloat16).mean()
    assert out.tolist() == [[0x4015]] == [[expected.view(torch.int16).item()]]
    assert poolproof.adaptive_avg_pool(bits, 1, dtype="bfloat16", exact=True)[0, 0] == \
        Fraction(7, 3)


def test_float16_also_reads_uint16_bit_patterns():
    x = numpy.array([[1.0, 2.0, 4.0, 8.0]], numpy.float16)
    assert poolproof.adaptive_avg_pool(x.view(numpy.uint16), 2, dtype="float16").view(
        numpy.float16).tolist() == poolproof.adaptive_avg_pool(x, 2).tolist() == [[1.5, 6.0]]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_torch_tensors_in_torch_tensors_out(dtype):
    x = torch.arange(10, dtype=dtype).reshape(1, 2, 5).requires_grad_(dtype != torch.float16)
    out = poolproof.adaptive_avg_pool(x, 3)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype
    assert out.float().tolist() == [[[0.5, 2.0, 3.5], [5.5, 7.0, 8.5]]]
    values, indices = poolproof.adaptive_max_pool(x, 3)
    assert values.dtype == dtype and indices.dtype == torch.int64
    assert indices.tolist() == [[[1, 3, 4], [1, 3, 4]]]
    grad = poolproof.adaptive_max_pool_backward(torch.ones(1, 2, 3, dtype=dtype), indices,
                                                x.shape)
    assert grad.dtype == dtype and grad.float().tolist() == [[[0, 1, 0, 1, 1]] * 2]


def test_torch_dtype_conflicting_with_dtype_argument():
    with pytest.raises(TypeError, match="bfloat16 tensor, not dtype='float16'"):
        poolproof.adaptive_avg_pool(torch.ones(1, 4, dtype=torch.bfloat16), 2, dtype="float16")


def layouts(x):
    """The same values in other memory layouts: a transposed view and a strided slice."""
    channels_last = numpy.ascontiguousarray(numpy.moveaxis(x, 1, -1))
    yield numpy.moveaxis(channels_last, -1, 1)
    doubled = numpy.repeat(x, 2, axis=-1)
    yield doubled[..., ::2]


@pytest.mark.parametrize("op", ["avg", "max"])
def test_any_numpy_layout_gives_the_contiguous_result(op):
    x = numpy.random.default_rng(1).standard_normal((2, 3, 7, 6)).astype(numpy.float32)
    pool = poolproof.adaptive_avg_pool if op == "avg" else poolproof.adaptive_max_pool
    want = pool(x, (3, 4))
    for view in layouts(x):
        assert not view.flags.c_contiguous
        before = view.copy()
        got = pool(view, (3, 4))
        assert numpy.array_equal(numpy.asarray(got[0] if op == "max" else got),
                                 numpy.asarray(want[0] if op == "max" else want))
        assert numpy.array_equal(view, before)  # the caller's array is never written


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_channels_last_torch_tensors(dtype):
    x = torch.randn(2, 3, 9, 7, generator=torch.Generator().manual_seed(5)).to(dtype)
    cl = x.to(memory_format=torch.channels_last)
    assert not cl.is_contiguous()
    assert torch.equal(poolproof.adaptive_avg_pool(cl, (4, 3)),
                       poolproof.adaptive_avg_pool(x, (4, 3)))
    x3 = torch.randn(1, 2, 4, 5, 6, generator=torch.Generator().manual_seed(6)).to(dtype)
    cl3 = x3.to(memory_format=torch.channels_last_3d)
    assert torch.equal(poolproof.adaptive_max_pool(cl3, (2, 2, 3))[1],
                       poolproof.adaptive_max_pool(x3, (2, 2, 3))[1])


def test_output_size_none_keeps_the_input_size():
    x = ramp((1, 4, 6), numpy.float64)
    assert poolproof.adaptive_avg_pool(x, (None, 3)).shape == (1, 4, 3)
    assert numpy.array_equal(poolproof.adaptive_avg_pool(x, (None, 3)),
                             poolproof.adaptive_avg_pool(x, (4, 3)))


def test_a_callers_flush_to_zero_does_not_reach_the_engine():
    # torch.set_flush_denormal(True) sets flush-to-zero and denormals-are-zero in this thread;
    # the oracle's answers must not change with it (the engine computes in the default
    # environment and gives the caller's back).
    tiny = numpy.float32(1e-45)
    x = numpy.array([[tiny, 3 * tiny, 5 * tiny, 2e-39, 0.25, 7 * tiny]], dtype=numpy.float32)
    half = numpy.array([[6e-8, 2e-7, 3e-5, 1e-7, 0.25, 5e-8]], dtype=numpy.float16)
    t = torch.from_numpy(x)
    want = [poolproof.adaptive_avg_pool(x, 4), poolproof.adaptive_max_pool(x, 4)[0],
            poolproof.adaptive_avg_pool(half, 4)]
    assert want[0][0, 0] != 0 and want[1][0, 0] != 0 and want[2][0, 0] != 0
    assert torch.set_flush_denormal(True)
    try:
        assert (t * 1)[0, 0] == 0, "flush-to-zero is on"
        got = [poolproof.adaptive_avg_pool(x, 4, threads=threads) for threads in (1, 2)]
        got += [poolproof.adaptive_max_pool(x, 4)[0],
                poolproof.adaptive_avg_pool(half, 4)]
        assert (t * 1)[0, 0] == 0, "the caller's setting is back"
    finally:
        torch.set_flush_denormal(False)
    for result, expected in zip(got, [want[0]] + want):
        assert result.tobytes() == expected.tobytes()


def test_thread_counts_give_identical_results():
    x = numpy.random.default_rng(2).standard_normal((4, 8, 30, 30)).astype(numpy.float32)
    one = poolproof.adaptive_avg_pool(x, (7, 7), threads=1)
    assert numpy.array_equal(one, poolproof.adaptive_avg_pool(x, (7, 7), threads=2))
    assert numpy.array_equal(one, poolproof.adaptive_avg_pool(x, (7, 7)))


@pytest.mark.parametrize("call,message", [
    (lambda x: poolproof.adaptive_avg_pool(x, 0), "output size must be at least 1, got 0"),
    (lambda x: poolproof.adaptive_avg_pool(x, 2**62 + 1),
     r"output size must be at most 2\^62, got 4611686018427387905"),
    (lambda x: poolproof.adaptive_avg_pool(x, 2**70),
     r"output size must be at most 2\^62, got 1180591620717411303424"),
    (lambda x: poolproof.adaptive_avg_pool(x, (2, 2, 2, 2)),
     "pooling needs 1 to 3 spatial axes, got 4"),
    (lambda x: poolproof.adaptive_avg_pool(x, (2, 2, 2)),
     r"input of rank 2 cannot be pooled over 3 spatial axes \(want rank 4 or 5\)"),
    (lambda x: poolproof.adaptive_avg_pool(x, 2, dtype="float8"),
     "unknown dtype 'float8': float16, bfloat16, float32 or float64"),
    (lambda x: poolproof.adaptive_avg_pool(x, 2, threads=0), r"threads must be in \[1, 1024\]"),
    (lambda x: poolproof.adaptive_avg_pool_backward(numpy.ones((3, 2)), (3, 6, 5)),
     "grad_output has rank 2, the input rank 3|grad_output has shape"),
    (lambda x: poolproof.adaptive_avg_pool_backward(numpy.ones((3, 2)), (4, 5)),
     r"grad_output has shape \[3, 2\], but pooling input \[4, 5\] to \[2\] gives \[4, 2\]"),
    (lambda x: poolproof.adaptive_max_pool_backward(numpy.ones((3, 2)), numpy.full((3, 2), 5),
                                                    (3, 5)),
     "max pool index 5"),
])
def test_bad_arguments_raise_value_error_with_the_cli_message(call, message):
    with pytest.raises(ValueError, match=message):
        call(numpy.ones((3, 5)))


@pytest.mark.parametrize("call,message", [
    (lambda: poolproof.adaptive_avg_pool([[1.0, 2.0]], 1),
     "input must be a numpy array or a CPU torch tensor, not list"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3), numpy.int32), 1),
     "input must hold float16, bfloat16, float32 or float64, not int32"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3), numpy.uint16), 1),
     "input holds uint16 bit patterns: say which format with dtype='bfloat16' or 'float16'"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3), numpy.float32), 1, dtype="bfloat16"),
     r"input holds float32, not bfloat16 \(or its uint16 bit patterns\)"),
    (lambda: poolproof.adaptive_avg_pool(torch.ones(2, 3, dtype=torch.int32), 1),
     "input must hold float16, bfloat16, float32 or float64, not torch.int32"),
    (lambda: poolproof.adaptive_avg_pool(torch.ones(2, 3, device="meta"), 1),
     r"input is on meta: poolproof runs on the CPU; pass input.cpu\(\)"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3)), "3"),
     "output size must hold ints, not str"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3)), 1.5),
     "output size must be an int or a sequence of ints, not float"),
    (lambda: poolproof.adaptive_max_pool_backward(numpy.ones((2, 1)), numpy.zeros((2, 1)), (2, 3)),
     "indices must hold integers, not float64"),
    (lambda: poolproof.adaptive_avg_pool(numpy.ones((2, 3), ">f8"), 1),
     "input is big-endian: convert it with astype"),
])
def test_wrong_kinds_of_argument_raise_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_submodules_load_on_first_use():
    assert poolproof.testing.assert_adaptive_pool_close is not None
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        poolproof.nonsense
