#!/usr/bin/python3
"""Python call overhead of the poolproof module, and its time beside the C++ engine's.

    cmake --preset bench && cmake --build build/bench -j2 --target pool_bench poolproof_python \\
      && /usr/bin/python3 bench/python_overhead.py --build build/bench

1. Tiny tensors: one poolproof call (numpy and torch inputs, threads=1) beside a bare call into
   the extension (resolve_threads) and numpy's own smallest operation; the whole call bounds the
   overhead from above, since the engine's own work there is a few elements.
2. The bench shapes (bench_shapes.h), float32, the four passes, at 1 thread and on every core:
   the Python call beside the engine timed in C++ on the very same arrays
   (_poolproof._engine_seconds: the call pool_bench makes, result allocated per call), the two
   alternating pass by pass; the difference on the small shapes is the overhead, the ratio on
   the full shapes the cost of going through Python. pool_bench's median over its repetitions
   (Google Benchmark, its own normal values) is printed beside them.
Own timings are the least per-call time over blocks of about 5 ms: a loaded machine preempts the
process for whole time slices, which the means and medians of longer runs take in. Timing is
never asserted; the load average is printed with the figures.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import timeit

import numpy

# Keep in step with small_shapes() and full_shapes() in bench_shapes.h.
SMALL = [("1x4x112x112->7x7", (1, 4, 112, 112), (7, 7)),
         ("1x4x112x112->13x13", (1, 4, 112, 112), (13, 13)),
         ("1x3x56x56->6x6", (1, 3, 56, 56), (6, 6)),
         ("2x16x33->10", (2, 16, 33), (10,)),
         ("1x2x8x28x28->5x7x7", (1, 2, 8, 28, 28), (5, 7, 7))]
FULL = [("8x64x112x112->7x7", (8, 64, 112, 112), (7, 7)),
        ("8x64x112x112->13x13", (8, 64, 112, 112), (13, 13)),
        ("1x3x224x224->6x6", (1, 3, 224, 224), (6, 6)),
        ("32x256x33->10", (32, 256, 33), (10,)),
        ("4x32x16x56x56->5x7x7", (4, 32, 16, 56, 56), (5, 7, 7))]
PASSES = ("avg_forward", "max_forward", "avg_backward", "max_backward")


def inputs(shape, size):
    """Normal float32 input and grad_output, as the C++ benchmark draws them (other values)."""
    x = numpy.random.default_rng(20261125).standard_normal(shape, dtype=numpy.float32)
    grad = numpy.random.default_rng(7).standard_normal(shape[:len(shape) - len(size)] + size,
                                                       dtype=numpy.float32)
    return x, grad


def python_calls(poolproof, x, grad, size, threads):
    """The four passes as argument-less Python calls, and the argmax max backward reads."""
    shape, dims = x.shape, len(size)
    _, indices = poolproof.adaptive_max_pool(x, size, threads=threads)
    return {
        "avg_forward": lambda: poolproof.adaptive_avg_pool(x, size, threads=threads),
        "max_forward": lambda: poolproof.adaptive_max_pool(x, size, threads=threads),
        "avg_backward": lambda: poolproof.adaptive_avg_pool_backward(
            grad, shape, spatial_dims=dims, threads=threads),
        "max_backward": lambda: poolproof.adaptive_max_pool_backward(
            grad, indices, shape, spatial_dims=dims, threads=threads),
    }, indices


def block_plan(seconds_per_call, budget_s):
    """(calls per block, blocks): blocks of about 5 ms, shorter than the scheduler's time slice,
    so that on a loaded machine the least block is one the process ran through undisturbed."""
    once = max(seconds_per_call, 1e-8)
    number = max(1, int(0.005 / once))
    return number, max(5, int(budget_s / (number * once)))


def python_ms(call, budget_s):
    """The least per-call time over blocks of timeit calls, in ms."""
    call()  # warm-up (also the engine's per-thread geometry)
    number, blocks = block_plan(timeit.timeit(call, number=1), budget_s)
    return min(timeit.repeat(call, number=number, repeat=blocks)) / number * 1e3


def engine_ms(core, p, x, grad, size, indices, threads, budget_s, guess_s):
    """The same for the engine timed in C++ on the same arrays: its per-call times summed into
    the same kind of blocks."""
    number, blocks = block_plan(guess_s, budget_s)
    if p.endswith("forward"):
        seconds = core._engine_seconds(p, x, "", list(size), 0, None, threads, number * blocks)
    else:
        seconds = core._engine_seconds(p, grad, "", list(x.shape), len(size),
                                       indices if p == "max_backward" else None, threads,
                                       number * blocks)
    return min(sum(seconds[k:k + number]) for k in range(0, len(seconds), number)) / number * 1e3


def pool_bench_medians(pool_bench, names, repetitions):
    """pool_bench's median real time (ms) of each benchmark in `names`."""
    pattern = "^(" + "|".join(names) + ")/real_time$"
    done = subprocess.run([pool_bench, f"--benchmark_filter={pattern}", "--benchmark_format=json",
                           f"--benchmark_repetitions={repetitions}",
                           "--benchmark_report_aggregates_only=true"],
                          capture_output=True, text=True, check=True)
    result = {}
    for row in json.loads(done.stdout)["benchmarks"]:
        if row.get("aggregate_name") == "median":
            assert row["time_unit"] == "ms"
            result[row["run_name"].removesuffix("/real_time")] = row["real_time"]
    if set(result) != set(names):
        sys.exit(f"python_overhead: pool_bench ran {sorted(result)}, not {sorted(names)}")
    return result


def tiny_overhead(poolproof, core):
    """(what, microseconds per call) of the smallest calls."""
    import torch
    x = numpy.arange(8, dtype=numpy.float32).reshape(1, 8)
    t = torch.from_numpy(x.copy())
    rows = [
        ("extension call, no work (resolve_threads)", lambda: core.resolve_threads(1)),
        ("numpy.empty(3, float32)", lambda: numpy.empty(3, numpy.float32)),
        ("numpy [1,8] -> 3 avg, _poolproof directly", lambda: core.avg_pool(x, "", [3], 1)),
        ("numpy [1,8] -> 3 avg", lambda: poolproof.adaptive_avg_pool(x, 3, threads=1)),
        ("numpy [1,8] -> 3 max", lambda: poolproof.adaptive_max_pool(x, 3, threads=1)),
        ("torch [1,8] -> 3 avg", lambda: poolproof.adaptive_avg_pool(t, 3, threads=1)),
        ("torch [1,8] -> 3 max", lambda: poolproof.adaptive_max_pool(t, 3, threads=1)),
        ("numpy [1,8] -> 3 avg, threads=None (all cores)",
         lambda: poolproof.adaptive_avg_pool(x, 3)),
    ]
    return [(name, python_ms(call, budget_s=0.5) * 1e3) for name, call in rows]


def compare(poolproof, core, pool_bench, shapes, thread_counts, rounds, repetitions, budget):
    """{(shape, pass, threads): (pool_bench ms, C++ in-process ms, Python ms)}: pool_bench's
    median, the least of the others over rounds; the in-process C++ and the Python timings
    alternate pass by pass."""
    bench, cpp, py = {}, {}, {}
    for _ in range(rounds):
        for name, shape, size in shapes:
            x, grad = inputs(shape, size)
            for threads in thread_counts:
                names = {f"fast_{p}/{name}/threads:{threads}": p for p in PASSES}
                for bench_name, ms in pool_bench_medians(pool_bench, names, repetitions).items():
                    bench.setdefault((name, names[bench_name], threads), []).append(ms)
                calls, indices = python_calls(poolproof, x, grad, size, threads)
                for p in PASSES:
                    key = (name, p, threads)
                    py_ms = python_ms(calls[p], budget)
                    cpp.setdefault(key, []).append(engine_ms(
                        core, p, x, grad, size, indices, threads, budget, py_ms / 1e3))
                    py.setdefault(key, []).append(py_ms)
    return {key: (statistics.median(bench[key]), min(cpp[key]), min(py[key])) for key in py}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build/bench")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3, help="pool_bench's repetitions")
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--shape", action="append", help="only this shape (repeatable), e.g. "
                        "8x64x112x112->7x7")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python"))
    import poolproof
    from poolproof import _poolproof as core
    pool_bench = os.path.join(args.build, "bench", "pool_bench")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("\n| tiny call | us per call |\n|---|---:|")
    for name, us in tiny_overhead(poolproof, core):
        print(f"| {name} | {us:.2f} |")
    thread_counts = sorted({1, core.resolve_threads(0)})
    for title, shapes, budget in (("small", SMALL, 0.3), ("full", FULL, 1.0)):
        if args.small_only and shapes is FULL:
            continue
        if args.shape:
            shapes = [s for s in shapes if s[0] in args.shape]
            if not shapes:
                continue
        table = compare(poolproof, core, pool_bench, shapes, thread_counts, args.rounds,
                        args.repetitions, budget)
        print(f"\n| {title} shape | pass | threads | pool_bench ms | C++ ms | Python ms | "
              f"Python - C++ us | Python / C++ |\n|---|---|---:|---:|---:|---:|---:|---:|")
        for (name, p, threads), (b, c, q) in table.items():
            print(f"| {name} | {p} | {threads} | {b:.4f} | {c:.4f} | {q:.4f} | "
                  f"{(q - c) * 1e3:.1f} | {q / c:.3f} |")
        print(f"\nload average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
