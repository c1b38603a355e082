#!/usr/bin/env python3
"""Markdown tables for bench/RESULTS.md from one session's benchmark outputs.

  compare.py POOL_JSON TORCH_JSON [SOLVER_JSON] [--paired ATEN_JSON]

POOL_JSON and SOLVER_JSON are Google Benchmark --benchmark_out files (run with repetitions, so
medians exist); TORCH_JSON is torch_pool_bench.py's output; ATEN_JSON is aten_pool_bench's (the
engine and ATen called alternately in one process). Ratios are poolproof / PyTorch time
(below 1: poolproof is faster) and plain / fast; the CPU ratios compare the CPU times of
single-thread rows, which a loaded machine distorts less than wall times.
"""
import argparse
import json


def medians(path):
    """{benchmark name without /real_time: (real ms, cpu ms)} from the median aggregates."""
    with open(path) as f:
        data = json.load(f)
    result = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].removesuffix("/real_time")
        scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        result[name] = (b["real_time"] * scale, b["cpu_time"] * scale, b)
    return result, data["context"]


def torch_table(pool, torch_data):
    threads_all = torch_data["threads_all"]
    by_key = {(r["name"], r["kind"], r["threads"]): r for r in torch_data["results"]
              if r.get("dtype", "float32") == "float32"}
    rows = ["| shape | pass | poolproof 1T ms | PyTorch 1T ms | ratio 1T | CPU ratio 1T | "
            f"poolproof {threads_all}T ms | PyTorch {threads_all}T ms | ratio {threads_all}T |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (name, kind, threads), r in by_key.items():
        if threads != 1:
            continue
        ours1 = pool.get(f"fast_{kind}/{name}/threads:1")
        oursn = pool.get(f"fast_{kind}/{name}/threads:{threads_all}")
        theirs_n = by_key.get((name, kind, threads_all))
        if not ours1 or not oursn or not theirs_n:
            continue
        rows.append(f"| {name} | {kind.replace('_', ' ')} | {ours1[0]:.3f} | {r['wall_ms']:.3f} | "
                    f"{ours1[0] / r['wall_ms']:.2f} | {ours1[1] / r['cpu_ms']:.2f} | "
                    f"{oursn[0]:.3f} | {theirs_n['wall_ms']:.3f} | "
                    f"{oursn[0] / theirs_n['wall_ms']:.2f} |")
    return "\n".join(rows)


def plain_table(pool):
    rows = ["| shape | pass | plain ms | fast ms (1T) | plain / fast |", "|---|---|---:|---:|---:|"]
    for name, (real, _, _) in pool.items():
        if not name.startswith("plain_"):
            continue
        fast = pool.get(name.replace("plain_", "fast_", 1))
        if fast:
            kind, shape = name.split("/")[0].removeprefix("plain_"), name.split("/")[1]
            rows.append(f"| {shape} | {kind.replace('_', ' ')} | {real:.3f} | {fast[0]:.4f} | "
                        f"{real / fast[0]:.0f}x |")
    return "\n".join(rows)


def dtype_table(pool, torch_data):
    """Rows of the formats other than float32 on 1 and all threads (PyTorch: "none" without a
    kernel)."""
    rows = ["| dtype | shape | pass | threads | poolproof ms | PyTorch ms | ratio | CPU ratio |",
            "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in torch_data["results"]:
        dtype = r.get("dtype", "float32")
        ours = pool.get(f"fast_{dtype}_{r['kind']}/{r['name']}/threads:{r['threads']}")
        if dtype == "float32" or not ours:
            continue
        theirs = "none" if r["wall_ms"] is None else f"{r['wall_ms']:.3f}"
        ratio = "" if r["wall_ms"] is None else f"{ours[0] / r['wall_ms']:.2f}"
        cpu = "" if r["wall_ms"] is None or r["threads"] != 1 else f"{ours[1] / r['cpu_ms']:.2f}"
        rows.append(f"| {dtype} | {r['name']} | {r['kind'].replace('_', ' ')} | {r['threads']} | "
                    f"{ours[0]:.3f} | {theirs} | {ratio} | {cpu} |")
    return "\n".join(rows)


KINDS = ("avg_forward", "max_forward", "avg_backward", "max_backward")


def full_shapes(pool):
    """The shapes of the float32 rows run on more than one thread, in order of appearance."""
    shapes = []
    for name in pool:
        parts = name.split("/")
        if parts[0] == "fast_avg_forward" and parts[2] != "threads:1" and parts[1] not in shapes:
            shapes.append(parts[1])
    return shapes


def sixteen_bit_table(pool):
    """The 16-bit formats against the engine's own float32 on the same shape, single thread."""
    rows = ["| dtype | shape | pass | 16-bit ms | float32 ms | 16-bit / float32 |",
            "|---|---|---|---:|---:|---:|"]
    for dtype in ("float16", "bfloat16"):
        for shape in full_shapes(pool):
            for kind in KINDS:
                ours = pool.get(f"fast_{dtype}_{kind}/{shape}/threads:1")
                own = pool.get(f"fast_{kind}/{shape}/threads:1")
                if ours and own:
                    rows.append(f"| {dtype} | {shape} | {kind.replace('_', ' ')} | {ours[0]:.3f} | "
                                f"{own[0]:.3f} | {ours[0] / own[0]:.2f} |")
    return "\n".join(rows)


BYTES = {"float32": 4, "float64": 8, "bfloat16": 2, "float16": 2}


def bandwidth_table(pool):
    """Each forward pass as a multiple of one streaming read of the same input (same format,
    same threads)."""
    rows = ["| shape | dtype | threads | stream read ms | GB/s | avg forward / read | "
            "max forward / read |", "|---|---|---:|---:|---:|---:|---:|"]
    for shape in full_shapes(pool):
        elements = 1
        for size in shape.split("->")[0].split("x"):
            elements *= int(size)
        for dtype, size in BYTES.items():
            prefix = "fast_" if dtype == "float32" else f"fast_{dtype}_"
            for threads in sorted({n.split("/")[2] for n in pool if n.startswith(prefix)}):
                read = pool.get(f"{prefix}stream_read/{shape}/{threads}")
                avg = pool.get(f"{prefix}avg_forward/{shape}/{threads}")
                mx = pool.get(f"{prefix}max_forward/{shape}/{threads}")
                if not read or not avg or not mx:
                    continue
                rate = elements * size / read[0] / 1e6
                rows.append(f"| {shape} | {dtype} | {threads.removeprefix('threads:')} | "
                            f"{read[0]:.3f} | {rate:.1f} | {avg[0] / read[0]:.2f} | "
                            f"{mx[0] / read[0]:.2f} |")
    return "\n".join(rows)


def solver_table(solver):
    rows = ["| benchmark | median ms | checks/s |", "|---|---:|---:|"]
    for name, (real, _, b) in solver.items():
        rate = b.get("checks_per_second")
        rows.append(f"| {name} | {real:.1f} | {'' if rate is None else f'{rate:.0f}'} |")
    return "\n".join(rows)


def paired_table(paired):
    """aten_pool_bench's rows: each side's median and the median of the per-round ratios, with
    their quartiles, and how many rows are at most 1.00 per format."""
    rows = ["| dtype | shape | pass | threads | ATen ms | poolproof ms | paired ratio | "
            "quartiles |", "|---|---|---|---:|---:|---:|---:|---|"]
    within, total = {}, {}
    for r in paired["results"]:
        dtype = r["dtype"]
        if r["ratio"] is None:
            rows.append(f"| {dtype} | {r['name']} | {r['kind'].replace('_', ' ')} | "
                        f"{r['threads']} | none | {r['engine_ms']:.3f} | | |")
            continue
        total[dtype] = total.get(dtype, 0) + 1
        within[dtype] = within.get(dtype, 0) + (round(r["ratio"], 2) <= 1.0)  # as printed
        rows.append(f"| {dtype} | {r['name']} | {r['kind'].replace('_', ' ')} | {r['threads']} | "
                    f"{r['aten_ms']:.3f} | {r['engine_ms']:.3f} | {r['ratio']:.2f} | "
                    f"{r['ratio_q1']:.2f}-{r['ratio_q3']:.2f} |")
    if not total:
        return "\n".join(rows) + "\n\nNo row has an ATen kernel to pair with."
    counts = ", ".join(f"{dtype} {within[dtype]}/{total[dtype]}" for dtype in total)
    summary = (f"Rows at most 1.00: {sum(within.values())} of {sum(total.values())} ({counts}); "
               f"{paired['rounds']} rounds of {paired['block']} timed calls a side, each block "
               f"after {paired['warmup']} untimed calls; PyTorch {paired['torch']}.")
    return "\n".join(rows) + "\n\n" + summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pool")
    parser.add_argument("torch")
    parser.add_argument("solver", nargs="?")
    parser.add_argument("--paired", help="aten_pool_bench's JSON")
    args = parser.parse_args()
    pool, context = medians(args.pool)
    with open(args.torch) as f:
        torch_data = json.load(f)
    print(f"machine: {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz, "
          f"load average {context.get('load_avg')}, PyTorch {torch_data['torch']}\n")
    if args.paired:
        with open(args.paired) as f:
            paired = json.load(f)
        print("### Exact poolproof vs ATen, paired in one process (aten_pool_bench)\n")
        print(paired_table(paired))
        print()
    print("### Exact poolproof vs PyTorch float32 (wall-time medians)\n")
    print(torch_table(pool, torch_data))
    print("\n### Other formats vs PyTorch (the same shapes)\n")
    print(dtype_table(pool, torch_data))
    print("\n### 16-bit formats vs the engine's own float32, single thread (goal: at most 1.2x)\n")
    print(sixteen_bit_table(pool))
    print("\n### Forward passes vs one streaming read of the same input (goal: at most 1.5x)\n")
    print(bandwidth_table(pool))
    print("\n### Fast engine vs plain rational reference (same small shapes, single thread)\n")
    print(plain_table(pool))
    if args.solver:
        solver, _ = medians(args.solver)
        print("\n### Solver\n")
        print(solver_table(solver))


if __name__ == "__main__":
    main()
