"""Hypothesis strategies for adaptive pooling cases, to check a kernel against the oracle.

    from hypothesis import given
    import poolproof.strategies as pps

    @given(pps.pooling_cases(dtypes=("float32",), spatial_dims=(2,)))
    def test_my_kernel(case):
        case.assert_close(my_adaptive_avg_pool(case.tensor(), case.output_size))

Cases cover output sizes above the input size, m = 1, m = n, divisible and not (overlapping
windows), 1-3 spatial axes, batched or not, and values from small integers (exact sums, ties)
over wide ranges to NaN, infinities, signed zeros and subnormals. Hypothesis shrinks a failing
case towards one plane, small sizes and small integer values.
"""
import dataclasses

import numpy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import poolproof

__all__ = ["FORMATS", "PoolingCase", "dtypes", "spatial_sizes", "output_sizes", "shapes",
           "values", "arrays", "pooling_cases"]

FORMATS = ("float16", "bfloat16", "float32", "float64")
# numpy holds bfloat16 values as float32 with the low 16 bits clear, drawn as such.
_DRAWN_AS = {"float16": numpy.float16, "bfloat16": numpy.float32, "float32": numpy.float32,
             "float64": numpy.float64}
_WIDTH = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}


@dataclasses.dataclass(frozen=True)
class PoolingCase:
    """One pooling to perform. `input` (and `grad_output` for backward ops) are numpy arrays of
    `dtype` (bfloat16 as uint16 bit patterns); tensor() gives them as torch tensors."""
    op: str
    dtype: str
    input: numpy.ndarray
    output_size: tuple
    grad_output: numpy.ndarray | None = None

    @property
    def spatial_dims(self):
        return len(self.output_size)

    def tensor(self, role="input"):
        """The input (or grad_output) as a CPU torch tensor of the case's dtype, exactly."""
        import torch
        array = getattr(self, role)
        if self.dtype == "bfloat16":
            return torch.from_numpy(array.view(numpy.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(array.copy())

    def expected(self):
        """The correctly rounded result from poolproof's engine: the output ((values, indices)
        for max), or grad_input for backward ops."""
        dtype = self.dtype if self.dtype == "bfloat16" else None
        if self.op == "adaptive_avg_pool":
            return poolproof.adaptive_avg_pool(self.input, self.output_size, dtype=dtype)
        if self.op == "adaptive_max_pool":
            return poolproof.adaptive_max_pool(self.input, self.output_size, dtype=dtype)
        if self.op == "adaptive_avg_pool_backward":
            return poolproof.adaptive_avg_pool_backward(
                self.grad_output, self.input.shape, spatial_dims=self.spatial_dims, dtype=dtype)
        _, indices = poolproof.adaptive_max_pool(self.input, self.output_size, dtype=dtype)
        return poolproof.adaptive_max_pool_backward(
            self.grad_output, indices, self.input.shape, spatial_dims=self.spatial_dims,
            dtype=dtype)

    def check(self, output, indices=None, **options):
        """poolproof.check of a result for this case (options: strict, ties, accumulation)."""
        if self.op == "adaptive_max_pool" and indices is None and isinstance(output, tuple):
            output, indices = output
        dtype = self.dtype if self.dtype == "bfloat16" else None
        return poolproof.check(output, self.input, self.output_size, self.op, indices=indices,
                               grad_output=self.grad_output, dtype=dtype, **options)

    def assert_close(self, output, indices=None, **options):
        """Raises AssertionError with a readable message unless check passes."""
        __tracebackhide__ = True
        report = self.check(output, indices, **options)
        if not report.passed:
            raise AssertionError(f"{self.describe()}\n{report}")
        return report

    def describe(self):
        return (f"{self.op} {self.dtype} input {list(self.input.shape)} -> output size "
                f"{self.output_size}")


def dtypes(allowed=FORMATS):
    """One of the format names (float16, bfloat16, float32, float64)."""
    return st.sampled_from(tuple(allowed))


def spatial_sizes(spatial_dims, max_side=None):
    """Input sizes of the spatial axes: 1..max_side each (default 24, 10, 5 for 1, 2, 3 axes)."""
    max_side = max_side or {1: 24, 2: 10, 3: 5}[spatial_dims]
    return st.tuples(*[st.integers(1, max_side)] * spatial_dims)


def _output_size(n, max_output):
    """Output sizes for one axis of input size n: 1, n, divisors of n, n - 1 and n + 1 (the
    theorem's branches), above n (m > n), and any size up to max_output."""
    telling = {1, n, n - 1, n + 1, 2 * n, n // 2, (n + 1) // 2}
    telling |= {d for d in range(1, n + 1) if n % d == 0}
    telling = sorted(m for m in telling if 1 <= m <= max_output)
    return st.one_of(st.sampled_from(telling), st.integers(1, max_output))


def output_sizes(input_sizes, max_output=None):
    """An output size for each of `input_sizes` (default bound: twice the input size, at least
    4): divisible and not, m = 1, m = n, m > n."""
    return st.tuples(*[_output_size(n, max_output or max(2 * n, 4)) for n in input_sizes])


def shapes(spatial_dims, batched=None, max_planes=4, max_side=None):
    """A pooling input shape: [N, C, *spatial] (batched) or [C, *spatial]."""
    batch = st.booleans() if batched is None else st.just(batched)
    leading = batch.flatmap(lambda b: st.tuples(
        *[st.integers(1, max_planes)] * (2 if b else 1)))
    return st.tuples(leading, spatial_sizes(spatial_dims, max_side)).map(
        lambda parts: parts[0] + parts[1])


def _specials(dtype):
    """NaN, both infinities and zeros, the extreme subnormals and the largest finite value."""
    info = numpy.finfo(_DRAWN_AS[dtype] if dtype != "bfloat16" else numpy.float32)
    tiny = float(info.smallest_subnormal)
    largest_subnormal = float(info.tiny) - tiny
    largest = float(info.max)
    if dtype == "bfloat16":  # the float32 values whose low 16 bits are clear
        tiny, largest_subnormal = 2.0 ** -133, 2.0 ** -126 - 2.0 ** -133
        largest = float(numpy.uint32(0x7F7F0000).view(numpy.float32))
    return [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, tiny, -tiny,
            largest_subnormal, largest, -largest]


def _families(dtype, special):
    width = _WIDTH[dtype]
    families = [st.integers(-8, 8).map(float),
                st.integers(-512, 512).map(lambda k: k / 8),
                st.floats(width=width, allow_nan=False, allow_infinity=False)]
    if special:
        families.append(st.one_of(st.integers(-4, 4).map(float),
                                  st.sampled_from(_specials(dtype))))
    return families


def values(dtype, special=True):
    """Element values of `dtype` as Python floats (bfloat16: float32 values, truncated to
    bfloat16 by `arrays`), from four families: small integers (exact sums, many ties), multiples
    of 1/8 in [-64, 64], any finite value (subnormals and overflow-prone magnitudes included)
    and, when `special`, small integers mixed with NaN, infinities, signed zeros, subnormals and
    the largest finite value."""
    return st.one_of(_families(dtype, special))


def arrays(dtype, shape, special=True):
    """A numpy array of `shape` and `dtype` (bfloat16 as uint16 bit patterns) whose elements all
    come from one family of `values`, chosen per array, so that most arrays hold no NaN."""
    array = st.sampled_from(_families(dtype, special)).flatmap(
        lambda family: hnp.arrays(_DRAWN_AS[dtype], shape, elements=family))
    if dtype == "bfloat16":
        # A bfloat16 value is a float32 whose low 16 bits are clear: keep the high half.
        array = array.map(lambda a: (a.view(numpy.uint32) >> 16).astype(numpy.uint16))
    return array


def pooling_cases(ops=poolproof.OPS, dtypes=FORMATS, spatial_dims=(1, 2, 3), batched=None,
                  max_planes=4, max_side=None, special=True):
    """PoolingCase values: an op, a dtype, an input shape (1-3 spatial axes), an output size and
    the input (and a grad_output for backward ops) drawn by `arrays`."""
    @st.composite
    def case(draw):
        op = draw(st.sampled_from(tuple(ops)))
        dtype = draw(st.sampled_from(tuple(dtypes)))
        dims = draw(st.sampled_from(tuple(spatial_dims)))
        shape = draw(shapes(dims, batched, max_planes, max_side))
        out = draw(output_sizes(shape[-dims:]))
        x = draw(arrays(dtype, shape, special))
        grad = None
        if op.endswith("_backward"):
            grad = draw(arrays(dtype, shape[:-dims] + out, special))
        return PoolingCase(op, dtype, x, out, grad)
    return case()
