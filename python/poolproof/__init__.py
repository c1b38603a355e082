"""poolproof: the exact reference oracle and prover for adaptive pooling, from Python.

A thin layer over poolproof's C++ libraries (nothing is re-implemented here):
- adaptive_avg_pool, adaptive_max_pool and their backward: the fast exact engine
  (poolproof::engine), correctly rounded in the input's format; exact=True gives the plain
  reference's exact values (poolproof::reference) as fractions.Fraction;
- check: a result against the golden checker's rigorous error bounds (poolproof::golden);
- prove_equivalence: the Z3 prover's verdicts, as `prove_equivalence --json` prints them;
- poolproof.testing (pytest assertions), poolproof.golden (the golden suite as numpy arrays),
  poolproof.torch (exact replacements for a model's adaptive pooling layers, for export),
  poolproof.strategies (Hypothesis strategies for pooling cases), imported on first use.

Inputs are numpy arrays or CPU torch tensors of float16, bfloat16, float32 or float64 with 1-3
spatial axes, `[N, C, *spatial]` or `[C, *spatial]`. numpy has no bfloat16: pass uint16 bit
patterns with dtype="bfloat16". A C-contiguous input is read in place; any other layout
(channels_last, slices, transposes) is copied once into C order, because the engine reads each
(batch, channel) plane as one dense row-major block. Results are new C-contiguous arrays (torch
tensors for torch inputs) of the input's dtype. Bad arguments raise ValueError with the same
one-line message as the C++ programs, or TypeError for an argument of the wrong kind.
"""
import dataclasses
import importlib
import json
import operator

import numpy

from poolproof import _arrays
from poolproof import _poolproof as _core

__all__ = [
    "adaptive_avg_pool", "adaptive_max_pool", "adaptive_avg_pool_backward",
    "adaptive_max_pool_backward", "check", "CheckReport", "ElementReport", "prove_equivalence",
    "golden", "strategies", "testing", "torch",
]
_SUBMODULES = ("golden", "strategies", "testing", "torch")
OPS = ("adaptive_avg_pool", "adaptive_max_pool", "adaptive_avg_pool_backward",
       "adaptive_max_pool_backward")


def __getattr__(name):
    # PEP 562: poolproof.strategies imports Hypothesis, so the submodules load on first use.
    if name in _SUBMODULES:
        return importlib.import_module(f"poolproof.{name}")
    raise AttributeError(f"module 'poolproof' has no attribute {name!r}")


def _exact_array(values, shape):
    """Exact values (Fraction, or float for -0, inf, nan) as a numpy object array of `shape`."""
    result = numpy.empty(len(values), dtype=object)
    result[:] = values
    return result.reshape(shape)


def adaptive_avg_pool(input, output_size, *, dtype=None, exact=False, threads=None):
    """PyTorch's adaptive_avg_pool{1,2,3}d, exactly: each output is the exact mean of its window
    [floor(i*n/m), ceil((i+1)*n/m)) per axis, rounded once to the input's format (half to even);
    NaN if the window holds a NaN or both infinities; a zero mean is +0.

    output_size: an int (one spatial axis) or 1-3 ints, None keeping that axis's size.
    dtype: "bfloat16" or "float16" for numpy uint16 bit patterns; otherwise the array's own.
    exact: return the exact means instead, as a numpy object array of fractions.Fraction (the
    float -0.0, inf, -inf or nan where a Fraction cannot hold the value), from the plain
    reference (slow: about a thousand times the engine's time).
    threads: engine threads over the (batch, channel) planes; None uses every core (as counted
    at the first such call).
    """
    x, dtype = _input(input, dtype)
    size = _arrays.output_size(output_size, x)
    if exact:
        values = _core.avg_pool_exact(x, dtype, size)
        return _exact_array(values, _output_shape(x, size))
    out = _core.avg_pool(x, dtype, size, _arrays.threads(threads))
    return _arrays.from_numpy(out, _arrays.is_torch(input), dtype == "bfloat16")


def adaptive_max_pool(input, output_size, *, dtype=None, exact=False, threads=None):
    """PyTorch's adaptive_max_pool{1,2,3}d(return_indices=True), exactly: (values, indices).
    Each window is scanned in row-major order; the first maximal element wins ties, any NaN wins
    (the last NaN scanned); the value is that element bit for bit (-0 stays -0) and the int64
    index is flat within its spatial plane. Arguments as adaptive_avg_pool; with exact=True the
    values are exact (Fraction or float) in an object array."""
    x, dtype = _input(input, dtype)
    size = _arrays.output_size(output_size, x)
    torch_input = _arrays.is_torch(input)
    if exact:
        values, indices = _core.max_pool_exact(x, dtype, size)
        return (_exact_array(values, indices.shape),
                _arrays.from_numpy(indices, torch_input, False))
    values, indices = _core.max_pool(x, dtype, size, _arrays.threads(threads))
    return (_arrays.from_numpy(values, torch_input, dtype == "bfloat16"),
            _arrays.from_numpy(indices, torch_input, False))


def adaptive_avg_pool_backward(grad_output, input_shape, *, spatial_dims=None, dtype=None,
                               exact=False, threads=None):
    """The gradient of adaptive_avg_pool with respect to an input of `input_shape`: an output
    gradient g of a window of L elements adds g/L to each (overlapping windows add up), each
    grad_input element rounded once. grad_output has the forward output's shape.

    spatial_dims: the number of spatial axes; by default rank - 2 for ranks 3-5 ([N, C, *]) and
    1 for rank 2; pass it for an unbatched [C, H, W] or [C, D, H, W] gradient.
    Other arguments as adaptive_avg_pool.
    """
    g, dtype = _input(grad_output, dtype, "grad_output")
    shape = list(_arrays.sizes(input_shape, "input shape"))
    dims = _arrays.spatial_dims(spatial_dims, _arrays.rank(g))
    if exact:
        return _exact_array(_core.avg_pool_backward_exact(g, dtype, shape, dims), shape)
    out = _core.avg_pool_backward(g, dtype, shape, dims, _arrays.threads(threads))
    return _arrays.from_numpy(out, _arrays.is_torch(grad_output), dtype == "bfloat16")


def adaptive_max_pool_backward(grad_output, indices, input_shape, *, spatial_dims=None,
                               dtype=None, exact=False, threads=None):
    """The gradient of adaptive_max_pool: each output gradient is added at its argmax `indices`
    (as adaptive_max_pool returns them, flat within the spatial plane); grad_input elements are
    the exact sums rounded once (+0 where no output chose). Arguments as
    adaptive_avg_pool_backward."""
    g, dtype = _input(grad_output, dtype, "grad_output")
    index_array = _arrays.to_index_numpy(indices, "indices")
    shape = list(_arrays.sizes(input_shape, "input shape"))
    dims = _arrays.spatial_dims(spatial_dims, _arrays.rank(g))
    if exact:
        values = _core.max_pool_backward_exact(g, index_array, dtype, shape, dims)
        return _exact_array(values, shape)
    out = _core.max_pool_backward(g, index_array, dtype, shape, dims, _arrays.threads(threads))
    return _arrays.from_numpy(out, _arrays.is_torch(grad_output), dtype == "bfloat16")


def _input(x, dtype, what="input"):
    array, torch_dtype = _arrays.to_numpy(x, what)
    if torch_dtype is not None:
        if dtype not in (None, "", torch_dtype):
            raise TypeError(f"{what} is a torch {torch_dtype} tensor, not dtype={dtype!r}")
        dtype = torch_dtype
    return array, dtype or ""


def _output_shape(x, size):
    return tuple(numpy.shape(x))[:numpy.ndim(x) - len(size)] + tuple(size)


@dataclasses.dataclass(frozen=True)
class ElementReport:
    """The element that decided a check: the first-found failing one with the most ulps, or, if
    all pass, the one using the largest share of its bound. Values are exact strings ("7/3",
    "-0", "nan"); for what == "index" they are indices."""
    index: int                # flat, C order, in the result
    position: tuple           # the same as a multi-index
    what: str                 # "value" or "index"
    candidate: str            # the checked result's exact value (or index)
    exact: str                # the exact expected value (or the expected index)
    rounded: str              # the correctly rounded expected value
    error_ulps: float | None  # |candidate - rounded| in ulps of rounded (None if infinite)
    bound_ulps: float | None  # the element's error bound in the same ulps (None when exact)
    bound_used: float | None  # |candidate - exact| / bound


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """The golden checker's verdict on one result (golden/CHECKING.md): max values and indices
    exactly, averages and gradients within each element's rigorous bound."""
    passed: bool
    op: str
    dtype: str
    shape: tuple
    elements: int
    failed_elements: int          # values or indices outside their bound (or wrong)
    off_rounded: int              # values other than the correctly rounded result
    max_error_ulps: float | None  # the largest finite value error in ulps of the rounded value
    max_bound_used: float | None  # the largest |candidate - exact| / bound over the elements
    worst: ElementReport | None
    message: str                 # the checker's one line on the first failure ("" if passed)

    def __bool__(self):
        return self.passed

    def __str__(self):
        from poolproof import testing
        return testing.describe(self)


def _report(raw, op, dtype, shape):
    worst = raw["worst"]
    if worst is not None:
        position = tuple(int(k) for k in numpy.unravel_index(worst["index"], shape))
        worst = ElementReport(position=position, **worst)
    return CheckReport(passed=raw["passed"], op=op, dtype=dtype, shape=tuple(shape),
                       elements=raw["elements"], failed_elements=raw["failed_elements"],
                       off_rounded=raw["off_rounded"], max_error_ulps=raw["max_error_ulps"],
                       max_bound_used=raw["max_bound_used"], worst=worst, message=raw["message"])


def check(output, input, output_size, op="adaptive_avg_pool", *, indices=None, grad_output=None,
          accumulation="any", strict=False, ties="first", dtype=None, name="check"):
    """Checks an implementation's result with the golden checker (poolproof::golden::
    check_result and its bounds) and returns a CheckReport (true when passed).

    output: the result to check (for backward ops, grad_input), of the input's dtype.
    input: the forward input; output_size as adaptive_avg_pool; op: one of poolproof.OPS.
    indices: the argmax (required for adaptive_max_pool); grad_output: for backward ops.
    accumulation: the summation contract the bounds assume (golden/CHECKING.md section 3):
    "any" order in the input's format or wider (a 16-bit kernel may accumulate in float16), or
    "float32" (16-bit formats accumulated in float32 and rounded once, PyTorch's opmath).
    strict: demand the correctly rounded value; ties: "first" (PyTorch's index) or "any".
    The expectation is computed in exact arithmetic (about a microsecond per input element).
    """
    x, dtype = _input(input, dtype)
    size = _arrays.output_size(output_size, x)
    candidate, _ = _input(output, dtype, "output")
    if indices is not None:
        indices = _arrays.to_index_numpy(indices, "indices")
    if grad_output is not None:
        grad_output, _ = _input(grad_output, dtype, "grad_output")
    raw = _core.check(op, candidate, x, size, dtype, indices, grad_output, strict, ties,
                      accumulation, name)
    dtype_name = dtype or str(numpy.asarray(x).dtype)
    return _report(raw, op, dtype_name, numpy.shape(candidate))


def prove_equivalence(n, m, target="pytorch", kind=None, *, timeout_ms=10000,
                      resource_limit=50_000_000, memory_mb=0):
    """Whether a fixed pooling layer of `target` ("pytorch", "onnx", "tflite" or "all")
    reproduces adaptive pooling n -> m, proven by Z3: the object `prove_equivalence N M --json`
    prints, as dicts and lists. n and m are ints or tuples of 1-3 sizes (N-D). kind: "avg" or
    "max" answers that kind alone (its key only); None both. The budgets bound each Z3 query
    (timeout_ms 1 to 3600000, resource_limit 1 to 4e9, memory_mb 0 for none or 16 to 1048576);
    running out gives "equivalent": None."""
    in_text = "x".join(str(s) for s in _arrays.sizes(n, "input size"))
    out_text = "x".join(str(s) for s in _arrays.sizes(m, "output size"))
    _budget("timeout_ms", timeout_ms, 1, 3_600_000)
    _budget("resource_limit", resource_limit, 1, 4_000_000_000)
    if operator.index(memory_mb) != 0:
        _budget("memory_mb", memory_mb, 16, 1_048_576)
    report = json.loads(_core.prove_json(in_text, out_text, target, kind or "", timeout_ms,
                                         resource_limit, memory_mb))
    if kind is not None:
        other = "max" if kind == "avg" else "avg"
        for family in report.get("families", {"": report}).values():
            del family[other]
    return report


def _budget(name, value, least, most):
    if not least <= operator.index(value) <= most:
        raise ValueError(f"{name} must be in [{least}, {most}], got {value}")
