#!/usr/bin/python3
"""PyTorch CPU adaptive pooling on the shapes of bench_shapes.h, forward and backward.

Run with Debian's interpreter (/usr/bin/python3 has python3-torch 1.13). Prints one JSON object:
{"torch": version, "threads_all": n, "results": [{"name", "kind", "threads", "dtype", "wall_ms",
"cpu_ms"}]}, medians over --repetitions runs after a warm-up; wall_ms and cpu_ms are null where
PyTorch has no CPU kernel for the dtype. The backward kernels are called
directly (aten::*_backward), without autograd's bookkeeping, like the C++ benchmark.
"""
import argparse
import json
import os
import statistics
import time

import torch

# Keep in step with full_shapes() in bench_shapes.h.
SHAPES = [
    ("8x64x112x112->7x7", (8, 64, 112, 112), (7, 7)),
    ("8x64x112x112->13x13", (8, 64, 112, 112), (13, 13)),
    ("1x3x224x224->6x6", (1, 3, 224, 224), (6, 6)),
    ("32x256x33->10", (32, 256, 33), (10,)),
    ("4x32x16x56x56->5x7x7", (4, 32, 16, 56, 56), (5, 7, 7)),
]

F = torch.nn.functional
ATEN = torch.ops.aten


def kernels(shape, out_size, dtype=torch.float32):
    """The four timed calls of one shape; 1-D runs through the 2-D kernels, as PyTorch does."""
    x = torch.randn(*shape).to(dtype)
    dims = len(out_size)
    if dims == 1:
        x, out_size, dims = x.unsqueeze(-2), (1,) + tuple(out_size), 2
    avg = F.adaptive_avg_pool2d if dims == 2 else F.adaptive_avg_pool3d
    mx = F.adaptive_max_pool2d if dims == 2 else F.adaptive_max_pool3d
    # The gradient and indices come from float32 (some dtypes have no forward kernel).
    values, indices = mx(x.float(), out_size, return_indices=True)
    grad = torch.randn_like(values).to(dtype)
    avg_backward = ATEN._adaptive_avg_pool2d_backward if dims == 2 else ATEN._adaptive_avg_pool3d_backward
    max_backward = ATEN.adaptive_max_pool2d_backward if dims == 2 else ATEN.adaptive_max_pool3d_backward
    return {
        "avg_forward": lambda: avg(x, out_size),
        "max_forward": lambda: mx(x, out_size, return_indices=True),
        "avg_backward": lambda: avg_backward(grad, x),
        "max_backward": lambda: max_backward(grad, x, indices),
    }


def measure(run, repetitions):
    """Median wall and CPU ms of `run`, or None when PyTorch has no kernel for it."""
    try:
        run()
    except RuntimeError:
        return None
    run()
    run()
    walls, cpus = [], []
    for _ in range(repetitions):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        cpus.append((time.process_time() - cpu) * 1e3)
        walls.append((time.perf_counter() - wall) * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=15)
    parser.add_argument("--filter", default="", help="only shapes whose name contains this")
    parser.add_argument("--dtypes", default="float32",
                        help="comma-separated; float16 runs on 1 thread, the others on 1 and all")
    args = parser.parse_args()
    all_threads = os.cpu_count() or 1
    torch.manual_seed(20261125)
    results = []
    for dtype_name in args.dtypes.split(","):
        dtype = getattr(torch, dtype_name)
        for name, shape, out_size in SHAPES:
            if args.filter not in name:
                continue
            calls = kernels(shape, out_size, dtype)
            for threads in [1] if dtype_name == "float16" else sorted({1, all_threads}):
                torch.set_num_threads(threads)
                for kind, run in calls.items():
                    timing = measure(run, args.repetitions)
                    results.append({"name": name, "kind": kind, "threads": threads,
                                    "dtype": dtype_name,
                                    "wall_ms": timing and timing[0], "cpu_ms": timing and timing[1]})
    print(json.dumps({"torch": torch.__version__, "threads_all": all_threads,
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
