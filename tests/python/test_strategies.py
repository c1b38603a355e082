"""poolproof.strategies: the cases cover what they promise, the oracle passes them, and a
property over a planted bug is found and shrunk to a small case."""
import numpy
import pytest
from hypothesis import find, given, settings

import kernels
import poolproof
import poolproof.strategies as pps

FIND = settings(max_examples=3000, derandomize=True, database=None, deadline=None)


def as_floats(case, role="input"):
    """The case's values as float32/float64 (bfloat16 bits widened; test-side decoding)."""
    array = getattr(case, role)
    if case.dtype == "bfloat16":
        return (array.astype(numpy.uint32) << 16).view(numpy.float32)
    return array


@given(pps.pooling_cases())
def test_the_oracle_passes_every_generated_case_strictly(case):
    result = case.expected()
    report = case.check(result, strict=True)
    assert report.passed and report.off_rounded == 0, f"{case.describe()}\n{report}"


@given(pps.pooling_cases())
def test_cases_are_well_formed(case):
    dims = case.spatial_dims
    assert 1 <= dims <= 3 and case.input.ndim in (dims + 1, dims + 2)
    assert all(m >= 1 for m in case.output_size)
    expected_dtype = numpy.uint16 if case.dtype == "bfloat16" else numpy.dtype(case.dtype)
    assert case.input.dtype == expected_dtype
    if case.op.endswith("_backward"):
        assert case.grad_output.shape == case.input.shape[:-dims] + case.output_size
    else:
        assert case.grad_output is None


def spatial_pairs(case):
    return list(zip(case.input.shape[-case.spatial_dims:], case.output_size))


def any_value(case, test):
    with numpy.errstate(invalid="ignore", over="ignore"):
        return bool(test(as_floats(case)).any())


SHAPES_COVERED = {
    "m > n": lambda c: any(m > n for n, m in spatial_pairs(c)),
    "m = 1 < n": lambda c: any(m == 1 < n for n, m in spatial_pairs(c)),
    "m = n > 1": lambda c: any(m == n > 1 for n, m in spatial_pairs(c)),
    "m divides n, 1 < m < n": lambda c: any(1 < m < n and n % m == 0 for n, m in spatial_pairs(c)),
    "overlapping windows, m < n": lambda c: any(m < n and n % m for n, m in spatial_pairs(c)),
    "3 spatial axes, batched": lambda c: c.spatial_dims == 3 and c.input.ndim == 5,
}
VALUES_COVERED = {
    "NaN": lambda c: any_value(c, numpy.isnan),
    "+inf and -inf": lambda c: any_value(c, numpy.isposinf) and any_value(c, numpy.isneginf),
    "-0": lambda c: any_value(c, lambda a: (a == 0) & numpy.signbit(a)),
    "subnormal": lambda c: any_value(c, lambda a: (a != 0) & (abs(a) < numpy.finfo(
        numpy.float16 if c.dtype == "float16" else a.dtype).tiny)),
    "huge magnitudes": lambda c: any_value(c, lambda a: abs(a) > 1e4),
}


@pytest.mark.parametrize("what", SHAPES_COVERED)
def test_the_cases_cover_shapes(what):
    case = find(pps.pooling_cases(), SHAPES_COVERED[what], settings=FIND)
    assert SHAPES_COVERED[what](case)


@pytest.mark.parametrize("what", VALUES_COVERED)
@pytest.mark.parametrize("dtype", pps.FORMATS)
def test_the_cases_cover_values(what, dtype):
    case = find(pps.pooling_cases(dtypes=(dtype,)), VALUES_COVERED[what], settings=FIND)
    assert VALUES_COVERED[what](case)


def has_tied_maximum(case):
    """Whether some 1-D max window holds its maximum twice (windows by PyTorch's rule)."""
    (n, m), = spatial_pairs(case)
    rows = as_floats(case).reshape(-1, n)
    for i in range(m):
        window = rows[:, i * n // m:-(-(i + 1) * n // m)]
        if ((window == window.max(axis=1, keepdims=True)).sum(axis=1) >= 2).any():
            return True
    return False


@pytest.mark.parametrize("dtype", pps.FORMATS)
def test_the_cases_cover_ties_in_max_windows(dtype):
    cases = pps.pooling_cases(ops=("adaptive_max_pool",), dtypes=(dtype,), spatial_dims=(1,))
    with numpy.errstate(invalid="ignore"):
        assert has_tied_maximum(find(cases, has_tied_maximum, settings=FIND))


def floor_end_avg(case):
    """A planted bug: windows end at floor((i+1)*n/m) instead of the ceiling."""
    return kernels.avg_pool(case.input, case.output_size, rule="floor")


FLOAT64_AVG_1D = pps.pooling_cases(ops=("adaptive_avg_pool",), dtypes=("float64",),
                                   spatial_dims=(1,))


def test_a_planted_bug_is_found_and_shrunk_to_a_small_case():
    case = find(FLOAT64_AVG_1D, lambda c: not c.check(floor_end_avg(c)).passed, settings=FIND)
    # The least failing case: one plane, n = 3 -> m = 2 (the first size where floor and ceiling
    # ends differ), with values that make the two windows' means differ.
    (n, m), = spatial_pairs(case)
    assert case.input.shape == (1, 3) and (n, m) == (3, 2), case
    assert not case.check(floor_end_avg(case)).passed


def test_a_property_over_a_planted_bug_fails_with_a_readable_message():
    @settings(max_examples=200, derandomize=True, database=None, deadline=None)
    @given(FLOAT64_AVG_1D)
    def kernel_matches_the_oracle(case):
        case.assert_close(floor_end_avg(case))

    with pytest.raises(AssertionError) as caught:
        kernel_matches_the_oracle()
    message = str(caught.value)
    # Shrunk within the budget to one plane of a few elements (3 -> 2 is the least).
    assert message.startswith("adaptive_avg_pool float64 input [1, ")
    n = int(message.split("input [1, ")[1].split("]")[0])
    assert 3 <= n <= 4 and "FAILED" in message and "\n  worst: output[0, " in message


def test_a_right_kernel_passes_the_same_property():
    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(FLOAT64_AVG_1D)
    def kernel_matches_the_oracle(case):
        case.assert_close(kernels.avg_pool(case.input, case.output_size))

    kernel_matches_the_oracle()


@given(pps.output_sizes((7, 1, 12)))
def test_output_sizes_stay_in_range(sizes):
    assert len(sizes) == 3 and all(1 <= m <= max(2 * n, 4) for n, m in zip((7, 1, 12), sizes))


@given(pps.arrays("bfloat16", (3, 4)))
def test_bfloat16_arrays_are_uint16_bit_patterns(array):
    assert array.dtype == numpy.uint16 and array.shape == (3, 4)
