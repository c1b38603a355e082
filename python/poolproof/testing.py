"""pytest assertions on adaptive pooling results, decided by poolproof.check (the golden checker).

    from poolproof.testing import assert_adaptive_pool_close
    assert_adaptive_pool_close(my_pool(x, (7, 7)), x, (7, 7))
    assert_adaptive_pool_close(F.adaptive_max_pool2d(x, 7, return_indices=True), x, (7, 7),
                               op="adaptive_max_pool")

A failure raises AssertionError whose message names the worst element by position, its value,
the exact and correctly rounded values, the error in ulps against the element's bound, and how
many elements failed.
"""
from fractions import Fraction

import poolproof

__all__ = ["assert_adaptive_pool_close", "describe"]


def assert_adaptive_pool_close(actual, input, output_size, op="adaptive_avg_pool", *,
                               indices=None, grad_output=None, accumulation="any", strict=False,
                               ties="first", dtype=None, msg=None):
    """Raises AssertionError unless poolproof.check passes `actual` (arguments as check; for
    adaptive_max_pool, `actual` may be the (values, indices) pair a max pooling returns).
    Returns the CheckReport when it passes. `msg` is prepended to the failure message."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    if op == "adaptive_max_pool" and indices is None and isinstance(actual, tuple):
        actual, indices = actual
    report = poolproof.check(actual, input, output_size, op, indices=indices,
                             grad_output=grad_output, accumulation=accumulation, strict=strict,
                             ties=ties, dtype=dtype)
    if not report.passed:
        raise AssertionError((f"{msg}\n" if msg else "") + describe(report))
    return report


def describe(report):
    """A CheckReport as a few readable lines (what str(report) prints)."""
    result = "grad_input" if report.op.endswith("_backward") else "output"
    exact_op = report.op == "adaptive_max_pool"  # values and indices are compared exactly
    shape = list(report.shape)
    if report.passed:
        head = f"{report.op} {report.dtype}, {result} {shape}: passed"
    else:
        failed = "wrong" if exact_op else "outside their error bound"
        head = (f"{report.op} {report.dtype}, {result} {shape}: FAILED, "
                f"{report.failed_elements} of {report.elements} elements {failed}")
    lines = [head]
    if report.worst is not None:
        lines += _worst_lines(report.worst, result, report.passed)
    if not exact_op:
        largest = "" if report.max_error_ulps is None else \
            f" (largest error {_number(report.max_error_ulps)} ulp)"
        lines.append(f"  {report.off_rounded} of {report.elements} elements differ from the "
                     f"correctly rounded result{largest}")
    if report.message:
        lines.append(f"  first failure: {report.message}")
    return "\n".join(lines)


def _worst_lines(worst, result, passed):
    at = ", ".join(str(k) for k in worst.position)
    if worst.what == "index":
        return [f"  {'worst' if not passed else 'checked'}: indices[{at}] = {worst.candidate}, "
                f"expected {worst.exact} (PyTorch's first maximal element, the last NaN; "
                f"ties='any' accepts any maximal one)"]
    lines = [f"  {'worst' if not passed else 'closest to its bound'}: {result}[{at}] = "
             f"{_value(worst.candidate)}",
             f"    exact {_value(worst.exact)}, correctly rounded {_value(worst.rounded)}"]
    error = "" if worst.error_ulps is None else f"error {_number(worst.error_ulps)} ulp"
    bound = "" if worst.bound_ulps is None else f"bound {_number(worst.bound_ulps)} ulp"
    used = "" if worst.bound_used is None else (
        f"{_number(worst.bound_used)} of the bound used" if worst.bound_used <= 1 else
        f"{_number(worst.bound_used)} times the bound")
    details = ", ".join(part for part in (error, bound, used) if part)
    if details:
        lines.append(f"    {details}")
    return lines


def _value(text):
    """An exact value string ("7/3", "-0", "nan") as a reader takes it in: the shortest decimal
    when a double holds the value exactly, else the fraction and its decimal approximation."""
    if text in ("nan", "inf", "-inf", "-0"):
        return text
    value = Fraction(text)
    decimal = float(value)
    if Fraction(decimal) == value and len(repr(decimal)) <= 24:
        return repr(decimal)
    if len(text) > 60:  # e.g. a float64 mean's denominator: the decimal says enough
        return f"≈ {decimal:.17g}"
    return f"{text} ≈ {decimal:.10g}"


def _number(x):
    return f"{x:.4g}"
