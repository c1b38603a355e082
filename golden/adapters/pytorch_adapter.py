#!/usr/bin/python3
"""/usr/bin/python3 pytorch_adapter.py --golden SUITE --out CANDIDATE [--tier core|special]
       [--memory-format contiguous|channels_last]

The template for an adapter: run an engine on every golden input and write the candidate files
that `golden check` reads (golden/CHECKING.md, "Candidate files"). This one runs Debian's PyTorch
(CPU): torch.nn.functional.adaptive_{avg,max}_pool{1,2,3}d forward, and autograd backward with the
case's grad_output.

To adapt it to another engine, replace `run_case` (everything else is file handling):
- read each input exactly: bfloat16 tensors are stored as uint16 bit patterns ('<u2');
- write the output in the case's dtype, bit for bit (bfloat16 again as uint16 bit patterns),
  the int64 argmax (flat within each spatial plane) for max, grad_input for backward;
- when the engine cannot run a case, write nothing for it: the checker reports it missing.
Cases the engine refused are listed, with the engine's message, in CANDIDATE/unsupported.json.

With --memory-format channels_last every tensor is run in PyTorch's channels-last layout (NHWC,
NDHWC): a missing batch axis is added, and 1-D cases run as 2-D with a unit height, as PyTorch's
own 1-D pooling does; results are turned back to the case's shape and C order before writing.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy
import torch
import torch.nn.functional as F

TORCH_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16,
                "float32": torch.float32, "float64": torch.float64}


def read_golden_file(suite, entry):
    """Reads a suite file, refusing it if its sha256 differs from the manifest's."""
    with open(os.path.join(suite, entry["path"]), "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        sys.exit(f"pytorch_adapter: sha256 mismatch for {entry['path']}")
    return data


def load_tensor(suite, entry, dtype):
    """A golden .npy as a torch tensor of the case's dtype, exactly."""
    import io
    array = numpy.load(io.BytesIO(read_golden_file(suite, entry)), allow_pickle=False)
    if dtype == "bfloat16":  # stored as bit patterns: reinterpret, never convert
        return torch.from_numpy(array.view(numpy.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(array.copy())


def to_numpy(tensor, dtype):
    """The tensor's bits as the array the checker reads (bfloat16 as uint16 patterns)."""
    tensor = tensor.detach().contiguous()
    if dtype == "bfloat16":
        return tensor.view(torch.int16).numpy().view(numpy.uint16)
    return tensor.numpy()


def channels_last(case, inputs):
    """The case's tensors in channels-last layout: [N, C, (1,) *spatial], and how to undo it."""
    dims = case["spatial_dims"]
    batched = inputs["input"].dim() == dims + 2
    unit_height = dims == 1  # 1-D runs as 2-D over [1, L], as torch's adaptive_*_pool1d does
    def to_layout(t):
        t = t if batched else t.unsqueeze(0)
        t = t.unsqueeze(-2) if unit_height else t
        layout = torch.channels_last if t.dim() == 4 else torch.channels_last_3d
        return t.contiguous(memory_format=layout)
    def back(t):
        t = t.squeeze(-2) if unit_height else t
        return (t if batched else t.squeeze(0)).contiguous()
    size = ((1,) if unit_height else ()) + tuple(case["output_size"])
    return {role: to_layout(t) for role, t in inputs.items()}, size, back


def run_case(case, inputs, memory_format):
    """Runs one case on PyTorch. Returns {suffix: tensor} of the candidate files to write."""
    size, back = tuple(case["output_size"]), lambda t: t
    if memory_format == "channels_last":
        inputs, size, back = channels_last(case, inputs)
    op = case["op"]
    kind = "avg" if op.startswith("adaptive_avg") else "max"
    pool = getattr(F, f"adaptive_{kind}_pool{len(size)}d")
    x = inputs["input"]
    if not op.endswith("_backward"):
        if kind == "avg":
            return {"output": back(pool(x, size))}
        values, indices = pool(x, size, return_indices=True)
        return {"output": back(values), "indices": back(indices)}
    x = x.detach().requires_grad_(True)  # keeps the layout
    y = pool(x, size)
    y = y[0] if isinstance(y, tuple) else y
    y.backward(inputs["grad_output"])
    return {"grad_input": back(x.grad)}


def write_array(path, array):
    with open(path + ".tmp", "wb") as f:
        numpy.save(f, array, allow_pickle=False)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tier", choices=["core", "special"])
    parser.add_argument("--memory-format", choices=["contiguous", "channels_last"],
                        default="contiguous")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.golden, "manifest.json")) as f:
        manifest = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    unsupported, written = {}, 0
    for case in manifest["cases"]:
        if args.tier and case["tier"] != args.tier:
            continue
        dtype = case["dtype"]
        inputs = {role: load_tensor(args.golden, case["files"][role], dtype)
                  for role in ("input", "grad_output") if role in case["files"]}
        try:
            results = run_case(case, inputs, args.memory_format)
        except RuntimeError as e:  # e.g. "not implemented for 'Half'"
            unsupported[case["name"]] = str(e).splitlines()[0]
            continue
        for suffix, tensor in results.items():
            array = tensor.numpy() if suffix == "indices" else to_numpy(tensor, dtype)
            write_array(os.path.join(args.out, f"{case['name']}.{suffix}.npy"), array)
        written += 1
    with open(os.path.join(args.out, "unsupported.json"), "w") as f:
        json.dump(unsupported, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"pytorch {torch.__version__} ({args.memory_format}): wrote candidates for {written} cases, "
          f"{len(unsupported)} unsupported (listed in {args.out}/unsupported.json)")


if __name__ == "__main__":
    main()
