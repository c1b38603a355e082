#!/usr/bin/python3
"""/usr/bin/python3 run_exported_torch.py DIR PROVE_EQUIVALENCE

Runs every emitted nn.Module of DIR/manifest.json (export_cases) in PyTorch against
nn.functional.adaptive_{avg,max}_pool{1,2,3}d on random float32 inputs, batched [2, 3, *in] and
unbatched [3, *in]: max bit for bit, avg within (sum of window lengths + 4) float32 ulps of the
largest input (both sum the same windows in other orders). A module run on a wrong-size input
must refuse it. The 2-D, 3-D and large ones (and every twentieth small one) go through
torch.onnx.export, whose model must pass onnx.checker and hold only Gather, Concat and pooling.
And `prove_equivalence IN OUT --json`'s witnesses build layers as nn.AvgPoolNd(**witness["call"])
and nn.MaxPoolNd(**witness["call"]) that reproduce adaptive pooling.
"""
import io
import json
import os
import sys
import warnings

import subprocess

import onnx
import torch
import torch.nn.functional as F

# torch.onnx.export writes a padded AvgPool as Pad + AveragePool: still static data movement.
ALLOWED_OPS = {"AveragePool", "MaxPool", "Gather", "Concat", "Constant", "Pad"}


def load_module(path):
    namespace = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), namespace)
    classes = [v for k, v in namespace.items() if k.startswith("Adaptive")]
    assert len(classes) == 1, path
    return classes[0]()


def compare(case, module, x):
    dims, kind = len(case["in_size"]), case["kind"]
    adaptive = getattr(F, f"adaptive_{kind}_pool{dims}d")
    want = adaptive(x, case["out_size"])
    got = module(x)
    if got.shape != want.shape:
        return f"shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if kind == "max":
        return None if torch.equal(got, want) else "max values differ"
    lengths = sum(n // m + 2 for n, m in zip(case["in_size"], case["out_size"]))
    bound = (lengths + 4) * torch.finfo(torch.float32).eps * x.abs().max().item()
    worst = (got.double() - adaptive(x.double(), case["out_size"])).abs().max().item()
    return None if worst <= bound else f"avg off by {worst}, bound {bound}"


def exported_ops(module, x):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buffer, opset_version=13, input_names=["x"],
                          output_names=["y"])
    model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(model)
    return {node.op_type for node in model.graph.node}, len(model.graph.node)


def check_calls(prover):
    """Witness "call" objects as PyTorch's own keyword arguments."""
    failures, built = [], 0
    for sizes in [("5", "3"), ("5x6", "3x3"), ("224x224", "7x7"), ("6x9x10", "3x4x5"), ("3", "4")]:
        report = json.loads(subprocess.run([prover, *sizes, "--json"], capture_output=True,
                                           text=True).stdout)
        in_size = [int(v) for v in sizes[0].split("x")]
        out_size = [int(v) for v in sizes[1].split("x")]
        x = torch.randn(2, 3, *in_size)
        for kind, layer in (("avg", torch.nn.AvgPool1d), ("max", torch.nn.MaxPool1d)):
            verdict = report[kind]
            if not verdict["equivalent"]:
                failures.append(f"{sizes} {kind}: no witness")
                continue
            cls = getattr(torch.nn, layer.__name__.replace("1d", f"{len(in_size)}d"))
            module = cls(**verdict["witness"]["call"])
            case = {"in_size": in_size, "out_size": out_size, "kind": kind}
            problem = compare(case, module, x)
            if problem:
                failures.append(f"{sizes} {kind} {verdict['witness']['call']}: {problem}")
            built += 1
    return failures, built


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "manifest.json")) as f:
        cases = json.load(f)["pytorch"]
    torch.manual_seed(20261203)
    failures, exported, ran = [], 0, 0
    for index, case in enumerate(cases):
        module = load_module(os.path.join(directory, case["file"]))
        x = torch.randn(2, 3, *case["in_size"])
        for tensor in (x, x[0]):
            problem = compare(case, module, tensor)
            if problem:
                failures.append(f"{case['file']}: {problem}")
        ran += 1
        try:
            module(torch.randn(2, 3, *[n + 1 for n in case["in_size"]]))
            failures.append(f"{case['file']}: accepted a wrong-size input")
        except ValueError:
            pass
        small = len(case["in_size"]) == 1 and case["in_size"][0] <= 40
        if not small or index % 20 == 0:
            ops, nodes = exported_ops(module, x)
            if not ops <= ALLOWED_OPS:
                failures.append(f"{case['file']}: exported ops {sorted(ops - ALLOWED_OPS)}")
            exported += 1
    call_failures, calls = check_calls(sys.argv[2])
    failures += call_failures
    # The comparison can say no: 9 -> 7 avg with its first gathered index moved by one.
    planted = load_module(os.path.join(directory, "torch_9_7_avg.py"))
    planted.index_0[0] += 1
    if compare({"in_size": [9], "out_size": [7], "kind": "avg"}, planted,
               torch.randn(2, 3, 9)) is None:
        failures.append("a gather index moved by one passed the comparison")
    for failure in failures[:20]:
        print("FAIL", failure, file=sys.stderr)
    print(f"torch {torch.__version__}: {ran} emitted modules match adaptive pooling, "
          f"{exported} exported by torch.onnx.export and checked, {calls} witness layers built "
          f"from their \"call\", {len(failures)} failures")
    sys.exit(0 if not failures and ran > 0 and exported > 0 and calls > 0 else 1)


if __name__ == "__main__":
    main()
