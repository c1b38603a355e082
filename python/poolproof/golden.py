"""The golden suite (golden/FORMAT.md) as numpy arrays, read and verified by golden's C++ reader.

    for case in poolproof.golden.load("golden/suite", tier="core"):
        x = case.tensor("input")                    # torch, bfloat16 included
        report = case.check(my_pool(x, case.output_size))
        assert report, report

Every file's digest (xxh128; sha256 in a version 1 suite), dtype and shape is checked, and so is
every stored value against the expectation recomputed from the case's inputs (golden::load_case),
before a case is yielded.
"""
import dataclasses
import fnmatch

import numpy

import poolproof
from poolproof import _arrays
from poolproof import _poolproof as _core

__all__ = ["GoldenCase", "load", "manifest"]


def manifest(suite_dir):
    """The suite's cases as dicts (name, op, tier, spatial_dims, input_shape, output_size, dtype,
    files: role -> path), in manifest order, from golden's manifest reader."""
    return _core.golden_manifest(str(suite_dir))


@dataclasses.dataclass(frozen=True)
class GoldenCase:
    """One verified case. Arrays are numpy, C order, as the .npy files hold them (bfloat16 as
    uint16 bit patterns; the case's dtype says so). `expected` is the correctly rounded forward
    output (or grad_input for backward ops); `indices` the int64 argmax of max forward ops (recomputed when the suite leaves it
    out)."""
    name: str
    op: str
    tier: str
    dtype: str
    spatial_dims: int
    input_shape: tuple
    output_size: tuple
    input: numpy.ndarray
    grad_output: numpy.ndarray | None
    expected: numpy.ndarray
    indices: numpy.ndarray | None
    _handle: object = dataclasses.field(repr=False, compare=False)

    @property
    def exact(self):
        """The exact value of every expected element: a numpy object array of Fraction (float for
        -0, inf, nan)."""
        values = numpy.empty(self.expected.size, dtype=object)
        values[:] = self._handle.exact()
        return values.reshape(self.expected.shape)

    def tensor(self, role="input"):
        """A role's array as a torch tensor of the case's dtype (bfloat16 reinterpreted from its
        bit patterns, never converted)."""
        import torch
        array = getattr(self, {"output": "expected"}.get(role, role))
        if self.dtype == "bfloat16" and array.dtype == numpy.uint16:
            return torch.from_numpy(array.view(numpy.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(array.copy())

    def check(self, output, indices=None, *, strict=False, ties="first", accumulation="any"):
        """A result (numpy or torch; for max forward with its indices, or the (values, indices)
        pair) checked against this case by golden's checker: a poolproof.CheckReport (options
        as poolproof.check)."""
        if self.op == "adaptive_max_pool" and indices is None and isinstance(output, tuple):
            output, indices = output
        candidate, _ = _arrays.to_numpy(output, "output")
        if indices is not None:
            indices = _arrays.to_index_numpy(indices, "indices")
        raw = self._handle.check(candidate, indices, strict, ties, accumulation)
        return poolproof._report(raw, self.op, self.dtype, numpy.shape(candidate))

    def assert_close(self, output, indices=None, *, strict=False, ties="first",
                     accumulation="any"):
        """Raises AssertionError (with poolproof.testing's message) unless check passes."""
        __tracebackhide__ = True
        report = self.check(output, indices, strict=strict, ties=ties, accumulation=accumulation)
        if not report.passed:
            raise AssertionError(f"golden case {self.name}\n{report}")
        return report


def load(suite_dir, *, tier=None, names=None, ops=None, dtypes=None):
    """Yields the suite's cases (GoldenCase) in manifest order, each loaded and verified when
    reached. tier: "core" or "special"; names: case names or fnmatch patterns; ops, dtypes: the
    ones wanted. Malformed suites raise ValueError naming the case or file."""
    suite = _core.GoldenSuiteHandle(str(suite_dir))  # the manifest, read once
    for index, entry in enumerate(suite.entries()):
        if tier is not None and entry["tier"] != tier:
            continue
        if names is not None and not any(fnmatch.fnmatchcase(entry["name"], p) for p in names):
            continue
        if (ops is not None and entry["op"] not in ops) or \
                (dtypes is not None and entry["dtype"] not in dtypes):
            continue
        yield _case_of(suite.load(index))


def _case_of(handle):
    entry = handle.entry()
    arrays = handle.arrays()
    backward = entry["op"].endswith("_backward")
    return GoldenCase(
        name=entry["name"], op=entry["op"], tier=entry["tier"], dtype=entry["dtype"],
        spatial_dims=entry["spatial_dims"], input_shape=entry["input_shape"],
        output_size=entry["output_size"], input=arrays["input"],
        grad_output=arrays.get("grad_output"),
        expected=arrays["expected_grad_input" if backward else "expected"],
        indices=arrays.get("indices"), _handle=handle)
