"""Candidate implementations for the tests, in plain numpy: right ones (several summation orders
and accumulators) and planted bugs (wrong window ends, last-tie argmax). They stand for a user's
kernel under test; poolproof itself never computes this way."""
import itertools
import math

import numpy


def window(i, n, m, rule="ceil"):
    """Window i of n -> m under `rule`: "ceil" is PyTorch's [floor(i*n/m), ceil((i+1)*n/m));
    "floor" ends at floor((i+1)*n/m) (at least one element); "short_last" drops the last
    window's last element (when it has two or more)."""
    begin = i * n // m
    end = -(-(i + 1) * n // m)
    if rule == "floor":
        end = max((i + 1) * n // m, begin + 1)
    if rule == "short_last" and i == m - 1 and end - begin >= 2:
        end -= 1
    return begin, end


def boxes(spatial, out, rule):
    """(output multi-index, tuple of slices) for every output of one plane."""
    for index in itertools.product(*[range(m) for m in out]):
        yield index, tuple(slice(*window(i, n, m, rule)) for i, n, m in zip(index, spatial, out))


def planes(x, dims):
    lead = x.shape[:x.ndim - dims]
    return lead, x.reshape((-1,) + x.shape[x.ndim - dims:])


@numpy.errstate(all="ignore")  # NaN, infinities and overflow are part of the inputs
def avg_pool(x, out, rule="ceil", order="pairwise", accumulate=None):
    """Mean of each window: numpy's pairwise sum, a sequential sum ("forward", "reverse") in
    `accumulate` (default: x's dtype), then one division, rounded to x's dtype."""
    dims = len(out)
    lead, flat = planes(x, dims)
    acc = numpy.dtype(accumulate or x.dtype)
    result = numpy.empty((flat.shape[0],) + tuple(out), x.dtype)
    for p, plane in enumerate(flat):
        for index, box in boxes(plane.shape, out, rule):
            values = plane[box].astype(acc).ravel()
            if order == "pairwise":
                total = values.sum(dtype=acc)
            else:
                total = acc.type(0)
                for v in (values if order == "forward" else values[::-1]):
                    total = acc.type(total + v)
            result[(p,) + index] = acc.type(total / acc.type(values.size))
    return result.reshape(lead + tuple(out))


def max_pool(x, out, rule="ceil", ties="first"):
    """(values, indices): the first maximal element (ties="last": the last), NaN winning."""
    dims = len(out)
    lead, flat = planes(x, dims)
    values = numpy.empty((flat.shape[0],) + tuple(out), x.dtype)
    indices = numpy.empty(values.shape, numpy.int64)
    for p, plane in enumerate(flat):
        for index, box in boxes(plane.shape, out, rule):
            # PyTorch's scan: the running maximum starts at -inf at the window's first element.
            positions = list(itertools.product(*[range(s.start, s.stop) for s in box]))
            best, best_at = plane.dtype.type(-numpy.inf), positions[0]
            for at in positions:
                v = plane[at]
                if v > best or math.isnan(v) or (ties == "last" and v == best):
                    best, best_at = v, at
            best = plane[best_at]
            best_at = numpy.ravel_multi_index(best_at, plane.shape)
            values[(p,) + index], indices[(p,) + index] = best, best_at
    return values.reshape(lead + tuple(out)), indices.reshape(lead + tuple(out))


@numpy.errstate(all="ignore")
def avg_pool_backward(grad, input_shape, spatial_dims, rule="ceil", accumulate=numpy.float64):
    """grad_input: each window's g/L added to its elements in `accumulate`, rounded once."""
    out = grad.shape[grad.ndim - spatial_dims:]
    _, flat = planes(grad, spatial_dims)
    spatial = tuple(input_shape[len(input_shape) - spatial_dims:])
    acc = numpy.dtype(accumulate).type
    result = numpy.zeros((flat.shape[0],) + spatial, acc)
    for p, plane in enumerate(flat):
        for index, box in boxes(spatial, out, rule):
            size = math.prod(s.stop - s.start for s in box)
            result[(p,) + box] += acc(acc(plane[index]) / acc(size))
    return result.astype(grad.dtype).reshape(input_shape)
