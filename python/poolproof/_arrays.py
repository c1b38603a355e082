"""Arrays in and out of the engine: numpy arrays and CPU torch tensors, bfloat16 as bit patterns.

The C++ side (poolproof._poolproof) reads numpy arrays only; this module turns a torch tensor
into a numpy view of the same memory (bfloat16 viewed as int16 bit patterns, since numpy has no
bfloat16) and turns results back into the caller's kind. Nothing here touches values.
"""
import operator
import sys

_INT64_LIMIT = 1 << 63
_CORES = None  # threads(None): the engine's count of cores, once known


def _torch_tensor_type():
    """torch.Tensor if torch is already imported (poolproof never imports it for numpy users)."""
    torch = sys.modules.get("torch")
    return None if torch is None else torch.Tensor


def is_torch(x):
    tensor = _torch_tensor_type()
    return tensor is not None and isinstance(x, tensor)


def to_numpy(x, what):
    """(array, dtype name or None) for the C++ side: a numpy array as it is, a CPU torch tensor as
    a numpy view of its memory (no copy; bfloat16 as int16 bit patterns, with dtype "bfloat16")."""
    if not is_torch(x):
        return x, None
    if not x.is_cpu:
        raise TypeError(f"{what} is on {x.device}: poolproof runs on the CPU; pass {what}.cpu()")
    if x.requires_grad:
        x = x.detach()
    kind = _torch_kinds().get(x.dtype)
    if kind is None:
        raise TypeError(f"{what} must hold float16, bfloat16, float32 or float64, not {x.dtype}")
    if kind == "bfloat16":
        import torch
        return x.view(torch.int16).numpy(), "bfloat16"
    return x.numpy(), None


_TORCH_KINDS = {}


def _torch_kinds():
    """{torch dtype: "bfloat16" or "float"} for the dtypes the engine reads (built once)."""
    if not _TORCH_KINDS:
        import torch
        _TORCH_KINDS.update({torch.bfloat16: "bfloat16", torch.float16: "float",
                             torch.float32: "float", torch.float64: "float"})
    return _TORCH_KINDS


def to_index_numpy(x, what):
    """A numpy view of an index tensor (int64 from torch), or the numpy array as it is."""
    if not is_torch(x):
        return x
    if not x.is_cpu:
        raise TypeError(f"{what} is on {x.device}: poolproof runs on the CPU; pass {what}.cpu()")
    return x.detach().numpy() if x.requires_grad else x.numpy()


def from_numpy(array, like_torch, bfloat16):
    """A result in the caller's kind: a torch tensor sharing the array's memory when the input was
    one (bfloat16 reinterpreted from its int16 bit patterns), else the numpy array."""
    if not like_torch:
        return array
    import torch
    tensor = torch.from_numpy(array)
    return tensor.view(torch.bfloat16) if bfloat16 else tensor


def sizes(value, what):
    """A tuple of Python ints from an int or a sequence of ints (TypeError otherwise)."""
    # The common cases, checked without raising: an int, or a tuple (torch.Size) or list of ints.
    if type(value) is int and 0 < value < _INT64_LIMIT:
        return (value,)
    if isinstance(value, (tuple, list)) and all(type(v) is int and 0 < v < _INT64_LIMIT
                                                for v in value):
        return tuple(value)
    try:
        operator.index(value)
    except TypeError:
        pass
    else:
        return (_size(value, what),)
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{what} must be an int or a sequence of ints, not "
                        f"{type(value).__name__}") from None
    return tuple(None if item is None else _size(item, what) for item in items)


def _size(item, what):
    try:
        size = operator.index(item)
    except TypeError:
        raise TypeError(f"{what} must hold ints, not {type(item).__name__}") from None
    if not -_INT64_LIMIT <= size < _INT64_LIMIT:  # beyond the C++ int64: the engine's own rule
        raise ValueError(f"{what} must be at most 2^62, got {size}" if size > 0 else
                         f"{what} must be at least 1, got {size}")
    return size


def output_size(value, input):
    """PyTorch's output_size: an int (one spatial axis) or 1-3 sizes; None keeps that axis's size
    in `input` (an array, or its shape)."""
    result = sizes(value, "output size")
    if None in result:
        if not hasattr(input, "shape"):
            raise TypeError("input must be a numpy array or a CPU torch tensor, not "
                            f"{type(input).__name__}")
        shape = tuple(input.shape)
        if len(shape) < len(result):
            raise ValueError(f"output size {value!r} has more axes than the input's shape "
                             f"{shape}")
        spatial = shape[len(shape) - len(result):]
        result = tuple(n if m is None else m for m, n in zip(result, spatial))
    return list(result)


def threads(value):
    """The engine's thread count: None for every core (counted once, at the first call: asking
    the system costs microseconds), else 1 to 1024."""
    global _CORES
    if value is None:
        if _CORES is None:
            from poolproof import _poolproof
            _CORES = _poolproof.resolve_threads(0)
        return _CORES
    count = operator.index(value)
    if not 1 <= count <= 1024:
        raise ValueError(f"threads must be in [1, 1024] or None, got {count}")
    return count


def spatial_dims(value, rank):
    """The number of spatial axes of a backward pass: given, or rank - 2 for ranks 3-5 (batched
    [N, C, *spatial]) and 1 for rank 2 ([C, L])."""
    if value is not None:
        return operator.index(value)
    return 1 if rank <= 2 else rank - 2


def rank(array):
    """The number of axes of an array (numpy's ndim; 0 for what has none)."""
    return getattr(array, "ndim", 0)
