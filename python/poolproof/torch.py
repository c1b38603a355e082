"""poolproof.torch: exact replacements for a PyTorch model's adaptive pooling layers.

torch.onnx.export (and CoreML / TFLite converters) refuse or mistranslate nn.AdaptiveAvgPoolNd
and nn.AdaptiveMaxPoolNd whenever the output size does not divide the input size, as at a VGG's
7x7 pool fed 9x9 features (a 300x300 image). replace_adaptive_pooling swaps each such layer for
the module `prove_equivalence --decompose --emit-pytorch` writes (poolproof's exporter, C++): one
fixed pool where one exists, otherwise fixed pools over index_select'ed windows joined by cat,
every window and divisor re-checked against the exact reference: max values bit for bit, avg
within float rounding (2-D and 3-D average axis by axis, a mean of means).
"""
import functools

import torch

from poolproof import _arrays
from poolproof import _poolproof as _core

# Each adaptive pooling class, its kind and number of spatial axes.
_ADAPTIVE_LAYERS = {
    torch.nn.AdaptiveAvgPool1d: ("avg", 1),
    torch.nn.AdaptiveAvgPool2d: ("avg", 2),
    torch.nn.AdaptiveAvgPool3d: ("avg", 3),
    torch.nn.AdaptiveMaxPool1d: ("max", 1),
    torch.nn.AdaptiveMaxPool2d: ("max", 2),
    torch.nn.AdaptiveMaxPool3d: ("max", 3),
}


def exact_replacement(kind, input_size, output_size):
    """A new nn.Module computing adaptive `kind` ("avg" or "max") pooling from spatial sizes
    input_size to output_size (ints, 1-3 axes) from fixed pooling, index_select and cat only,
    for inputs [N, C, *input_size] or [C, *input_size]; max returns values, no indices. Run
    eagerly, other input sizes raise ValueError; a traced or exported graph (torch.onnx.export,
    torch.jit.trace) is valid at input_size only, so do not export it with dynamic spatial axes.
    The class is built from the exporter's source at run time: save the model's state_dict or
    its export, not a pickle of the module. Bad sizes raise ValueError, non-ints TypeError."""
    module_class = _replacement_class(kind, _arrays.sizes(input_size, "input_size"),
                                      _arrays.sizes(output_size, "output_size"))
    return module_class()


@functools.lru_cache(maxsize=256)
def _replacement_class(kind, input_size, output_size):
    # One class per (kind, sizes), built once from the exporter's trusted source.
    source = _core.pytorch_module_source(list(input_size), list(output_size), kind)
    namespace = {"__name__": __name__}
    exec(compile(source, "<poolproof exact replacement>", "exec"), namespace)  # noqa: S102
    (module_class,) = [value for value in namespace.values()
                       if isinstance(value, type) and issubclass(value, torch.nn.Module)]
    return module_class


def _adaptive_layers(model):
    # Every (qualified name, layer) of model's adaptive pooling layers, shared ones under each
    # name. Exact classes only: a subclass may pool differently.
    return [(name, layer) for name, layer in model.named_modules(remove_duplicate=False)
            if type(layer) in _ADAPTIVE_LAYERS]


def _run_in_eval_mode(model, example_input):
    # model(example_input) without gradients and in eval mode, so that sizing the layers changes
    # nothing (BatchNorm's running statistics, Dropout's random draws); the modes come back.
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            model(*example_input) if isinstance(example_input, tuple) else model(example_input)
    finally:
        for module, training in modes:
            module.training = training


def _sizes_seen(model, example_input, layers):
    # Runs the model once; {id(layer): (input size, output size, device)} of the layers reached.
    seen = {}

    def record(layer, inputs, output):
        _, axes = _ADAPTIVE_LAYERS[type(layer)]
        values = output[0] if isinstance(output, tuple) else output  # return_indices: refused
        sizes = (tuple(inputs[0].shape[-axes:]), tuple(values.shape[-axes:]), inputs[0].device)
        if seen.setdefault(id(layer), sizes) != sizes:
            raise ValueError(f"{type(layer).__name__} {layer} runs at two input sizes or devices "
                             f"({seen[id(layer)]} and {sizes}); one replacement fits one size")

    unique = {id(layer): layer for _, layer in layers}.values()
    hooks = [layer.register_forward_hook(record) for layer in unique]
    try:
        _run_in_eval_mode(model, example_input)
    finally:
        for hook in hooks:
            hook.remove()
    return seen


def replace_adaptive_pooling(model, example_input):
    """Replaces, in place, every nn.AdaptiveAvgPool{1,2,3}d and nn.AdaptiveMaxPool{1,2,3}d of
    `model` that model(example_input) reaches by exact_replacement at the sizes it sees there
    (example_input: a tensor, or a tuple of the model's arguments), on the device its input was
    on, and returns the model (the replacement itself when `model` is such a layer). The model
    runs once in eval mode without gradients; its modes are restored. A layer shared under
    several names gets one shared replacement. The replacements accept those sizes only, so
    export the model at the example's shape. Layers the example does not reach stay. Raises
    ValueError for a reached AdaptiveMaxPool with return_indices=True (a replacement returns
    values only) and for a layer reached at two different input sizes."""
    layers = _adaptive_layers(model)
    seen = _sizes_seen(model, example_input, layers) if layers else {}
    replacements = {}
    for name, layer in layers:
        if id(layer) not in seen:
            continue
        if getattr(layer, "return_indices", False):
            raise ValueError(f"layer '{name}' ({layer}) returns indices; its exact replacement "
                             "returns values only")
        if id(layer) not in replacements:
            kind, _ = _ADAPTIVE_LAYERS[type(layer)]
            in_size, out_size, device = seen[id(layer)]
            replacements[id(layer)] = exact_replacement(kind, in_size, out_size).to(device)
        if not name:
            return replacements[id(layer)]
        parent_name, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent_name), child, replacements[id(layer)])
    return model
