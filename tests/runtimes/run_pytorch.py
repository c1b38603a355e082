#!/usr/bin/python3
"""/usr/bin/python3 run_pytorch.py CASES_JSON RESULTS_JSON

Runs Debian's PyTorch (CPU, float32) on the engine cases and writes its outputs as float32 bit
patterns (uint32), so no decimal rounding stands between the engine and engine_check:
- for every case a fixed pooling reproduces: adaptive_avg_pool1d / adaptive_max_pool1d, and
  avg_pool1d / max_pool1d with each witness (Z3's and its variants), on the case's input rows;
- for every n, m <= window_max_size: the adaptive windows themselves, recovered from
  adaptive_max_pool1d(return_indices=True) on the one-hot inputs e_j (window i contains j iff
  output i of e_j is 1, and then its index must be j).
"""
import json
import os
import sys

import numpy
import torch
import torch.nn.functional as F


def bit_rows(y):
    """A [rows, 1, m] float32 tensor as rows of uint32 bit patterns."""
    assert y.dtype == torch.float32 and y.dim() == 3 and y.shape[1] == 1, (y.dtype, y.shape)
    return y[:, 0, :].contiguous().numpy().view(numpy.uint32).tolist()


def fixed_pool(kind, x, w):
    if kind == "avg":
        return F.avg_pool1d(x, w["kernel"], w["stride"], w["padding"], ceil_mode=w["ceil_mode"],
                            count_include_pad=w["count_include_pad"])
    return F.max_pool1d(x, w["kernel"], w["stride"], w["padding"], dilation=w["dilation"],
                        ceil_mode=w["ceil_mode"])


def adaptive_pool(kind, x, m):
    return F.adaptive_avg_pool1d(x, m) if kind == "avg" else F.adaptive_max_pool1d(x, m)


def pooled_outputs(cases):
    inputs = {i["in_size"]: torch.tensor(i["rows"], dtype=torch.float32).unsqueeze(1)
              for i in cases["inputs"]}
    outputs = []
    for c in cases["cases"]:
        n, m = c["in_size"], c["out_size"]
        if n > cases["max_size"] or m > cases["max_size"]:
            continue
        for kind in ("avg", "max"):
            if c[kind]["equivalent"] is not True:
                continue
            # Index 0 is Z3's witness, the rest its reference-checked variants.
            witnesses = [c[kind]["witness"]] + c[kind]["variants"]
            runs = [("adaptive", None, lambda x: adaptive_pool(kind, x, m))]
            runs += [("fixed", i, lambda x, w=w: fixed_pool(kind, x, w))
                     for i, w in enumerate(witnesses)]
            for pooling, witness, pool in runs:
                entry = {"in_size": n, "out_size": m, "kind": kind, "pooling": pooling}
                if witness is not None:
                    entry["witness"] = witness
                try:
                    entry["bits"] = bit_rows(pool(inputs[n]))
                except Exception as e:  # engine_check reports it as a failure
                    entry["error"] = f"{type(e).__name__}: {e}"
                outputs.append(entry)
    return outputs


def recovered_windows(n, m):
    """Per output i, [begin, end) of the inputs j with output i of e_j equal to 1, or a
    {"members": [...]} object when they are not contiguous; plus anomalies seen on the way."""
    values, indices = F.adaptive_max_pool1d(torch.eye(n).unsqueeze(1), m, return_indices=True)
    values, indices = values[:, 0, :].numpy(), indices[:, 0, :].numpy()
    windows, anomalies = [], []
    for i in range(m):
        members = [int(j) for j in numpy.flatnonzero(values[:, i] == 1.0)]
        for j in members:
            if indices[j, i] != j:
                anomalies.append(f"output {i} of e_{j} is 1 at index {indices[j, i]}")
        for j in numpy.flatnonzero((values[:, i] != 1.0) & (values[:, i] != 0.0)):
            anomalies.append(f"output {i} of e_{j} is {values[j, i]}")
        contiguous = members and members == list(range(members[0], members[-1] + 1))
        windows.append([members[0], members[-1] + 1] if contiguous else {"members": members})
    return {"in_size": n, "out_size": m, "windows": windows, "anomalies": anomalies}


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: /usr/bin/python3 run_pytorch.py CASES RESULTS")
    torch.set_num_threads(1)
    with open(argv[1]) as f:
        cases = json.load(f)
    outputs = pooled_outputs(cases)
    limit = cases["window_max_size"]
    windows = [recovered_windows(n, m) for n in range(1, limit + 1) for m in range(1, limit + 1)]
    results = {"engine": "pytorch", "engine_version": torch.__version__, "outputs": outputs,
               "windows": windows}
    with open(argv[2] + ".tmp", "w") as f:
        json.dump(results, f)
        f.write("\n")
    os.replace(argv[2] + ".tmp", argv[2])
    print(f"pytorch {torch.__version__}: ran {len(outputs)} outputs of the equivalent cases, "
          f"recovered windows for {len(windows)} sizes")


if __name__ == "__main__":
    main(sys.argv)
