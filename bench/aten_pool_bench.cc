// Paired benchmark: the fast engine and PyTorch's CPU kernels (ATen, Debian's libtorch) called
// alternately in one process on the same tensors, so each ratio compares calls made moments apart
// rather than two programs run minutes apart on a noisy machine (#19 item 1).
//   aten_pool_bench [--small] [--rounds R] [--block B] [--warmup W] [--dtypes LIST]
//                   [--filter TEXT]
// Prints one JSON object: {"torch", "threads_all", "rounds", "block", "warmup", "results":
// [{"name", "kind", "dtype", "threads", "aten_ms", "engine_ms", "ratio", "ratio_q1",
// "ratio_q3"}]}; the ATen fields are null where PyTorch has no CPU kernel for the dtype. Exits 1
// if the engine's max forward disagrees with ATen's (values and indices, bit for bit) or a call
// throws, 2 on bad arguments.
#include <benchmark/benchmark.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/aten_kernels.h"
#include "bench/bench_shapes.h"
#include "bench/output_buffer.h"

namespace poolproof::bench {
namespace {

constexpr pass_kind all_passes[] = {pass_kind::avg_forward, pass_kind::max_forward,
                                    pass_kind::avg_backward, pass_kind::max_backward};

std::string name_of(pass_kind kind) {
  switch (kind) {
    case pass_kind::avg_forward:
      return "avg_forward";
    case pass_kind::max_forward:
      return "max_forward";
    case pass_kind::avg_backward:
      return "avg_backward";
    case pass_kind::max_backward:
      return "max_backward";
  }
  throw std::logic_error("unknown pass");
}

struct options {
  int rounds = 15;
  int block = 5;
  int warmup = 2;
  std::string dtypes = "float32,float64,bfloat16";
  std::string filter;
  bool small = false;
};

// One shape in one format: ATen's tensors, which the engine reads in place.
struct pooling_data {
  pool_shape shape;
  reference::float_format format;
  aten_pooling aten;
};

template <typename T>
std::span<const T> input_of(const pooling_data& d) {
  return {static_cast<const T*>(d.aten.input()), static_cast<std::size_t>(d.aten.input_count())};
}

template <typename T>
std::span<const T> grads_of(const pooling_data& d) {
  return {static_cast<const T*>(d.aten.grad_output()),
          static_cast<std::size_t>(d.aten.output_count())};
}

std::span<const std::int64_t> indices_of(const pooling_data& d) {
  return {d.aten.indices(), static_cast<std::size_t>(d.aten.output_count())};
}

std::span<std::int64_t> indices_of(pooling_data& d) {
  return {d.aten.indices(), static_cast<std::size_t>(d.aten.output_count())};
}

template <typename T>
std::function<void()> engine_call(pass_kind kind, const pooling_data& d, unsigned threads) {
  const std::int64_t in_count = d.aten.input_count(), out_count = d.aten.output_count();
  switch (kind) {
    case pass_kind::avg_forward:
      return [&d, threads, out_count] {
        output_buffer<T> out(out_count);
        engine::adaptive_avg_pool<T>(d.format, d.shape.input, input_of<T>(d), d.shape.out_size,
                                     out.span, threads);
        benchmark::DoNotOptimize(out.data.get());
      };
    case pass_kind::max_forward:
      return [&d, threads, out_count] {
        output_buffer<T> out(out_count);
        output_buffer<std::int64_t> indices(out_count);
        engine::adaptive_max_pool<T>(d.format, d.shape.input, input_of<T>(d), d.shape.out_size,
                                     out.span, indices.span, threads);
        benchmark::DoNotOptimize(out.data.get());
      };
    case pass_kind::avg_backward:
      return [&d, threads, in_count] {
        output_buffer<T> grad_input(in_count);
        engine::adaptive_avg_pool_backward<T>(d.format, d.shape.input, d.shape.out_size,
                                              grads_of<T>(d), grad_input.span, threads);
        benchmark::DoNotOptimize(grad_input.data.get());
      };
    case pass_kind::max_backward:
      return [&d, threads, in_count] {
        output_buffer<T> grad_input(in_count);
        engine::adaptive_max_pool_backward<T>(d.format, d.shape.input, d.shape.out_size,
                                              grads_of<T>(d), indices_of(d), grad_input.span,
                                              threads);
        benchmark::DoNotOptimize(grad_input.data.get());
      };
  }
  throw std::logic_error("unknown pass");
}

// The pairing is only meaningful if both sides pool the same data: the engine's max forward
// must equal ATen's bit for bit, values and indices, ties and all. Not bfloat16's indices: PyTorch
// 1.13 keeps a contiguous bfloat16 argmax in bfloat16, so indices past 256 come back rounded
// (golden/KNOWN_DIVERGENCES.md).
template <typename T>
bool max_forward_agrees(const pooling_data& d, std::span<const T> our_values) {
  const auto count = d.aten.output_count();
  output_buffer<T> values(count);
  output_buffer<std::int64_t> indices(count);
  d.aten.max_forward(values.data.get(), indices.data.get());
  const std::int64_t* our_indices = d.aten.indices();
  return std::memcmp(our_values.data(), values.data.get(), our_values.size_bytes()) == 0 &&
         (d.format == reference::float_format::bfloat16 ||
          std::equal(our_indices, our_indices + count, indices.data.get()));
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The median of `block` consecutive calls after `warmup` untimed ones, which bring back into cache
// what the other side's block evicted. Both sides' parallel calls run on the caller's one team
// of threads: Debian's libtorch uses libgomp, as the engine does.
double block_ms(const std::function<void()>& call, const options& o) {
  for (int i = 0; i < o.warmup; ++i) call();
  std::vector<double> times;
  for (int i = 0; i < o.block; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return median_of(times);
}

// Rounds of one ATen block and one engine block, the order alternating; the ratio of each
// round's two medians, and over the rounds each side's median and the ratios' quartiles.
nlohmann::json paired(const std::function<void()>& aten, const std::function<void()>& engine,
                      const options& o) {
  aten();
  engine();
  std::vector<double> aten_ms, engine_ms, ratios;
  for (int round = 0; round < o.rounds; ++round) {
    const bool aten_first = round % 2 == 0;
    const double first = block_ms(aten_first ? aten : engine, o);
    const double second = block_ms(aten_first ? engine : aten, o);
    aten_ms.push_back(aten_first ? first : second);
    engine_ms.push_back(aten_first ? second : first);
    ratios.push_back(engine_ms.back() / aten_ms.back());
  }
  std::sort(ratios.begin(), ratios.end());
  return {{"aten_ms", median_of(aten_ms)},
          {"engine_ms", median_of(engine_ms)},
          {"ratio", ratios[ratios.size() / 2]},
          {"ratio_q1", ratios[ratios.size() / 4]},
          {"ratio_q3", ratios[ratios.size() * 3 / 4]}};
}

// The engine alone, where ATen has no kernel for the dtype.
nlohmann::json engine_only(const std::function<void()>& engine, const options& o) {
  engine();
  std::vector<double> engine_ms(static_cast<std::size_t>(o.rounds));
  for (double& ms : engine_ms) ms = block_ms(engine, o);
  return {{"aten_ms", nullptr},
          {"engine_ms", median_of(engine_ms)},
          {"ratio", nullptr},
          {"ratio_q1", nullptr},
          {"ratio_q3", nullptr}};
}

struct format_entry {
  const char* name;
  reference::float_format format;
  aten_dtype dtype;
};

// Every row of one shape in one format; false if the max forwards disagree.
template <typename T>
bool run_rows(const pool_shape& shape, const format_entry& format,
              const std::vector<unsigned>& thread_counts, const options& o,
              nlohmann::json& results) {
  pooling_data d{shape, format.format, aten_pooling(shape.input, shape.out_size, format.dtype)};
  // The engine's argmax indices are what both max backward calls scatter by.
  output_buffer<T> values(d.aten.output_count());
  engine::adaptive_max_pool<T>(d.format, shape.input, input_of<T>(d), shape.out_size, values.span,
                               indices_of(d), 0);
  if (d.aten.has_kernel(pass_kind::max_forward) &&
      !max_forward_agrees<T>(d, std::span<const T>(values.span))) {
    std::cerr << "aten_pool_bench: the engine's " << format.name << " max forward differs from "
              << "ATen's on " << shape.name << "\n";
    return false;
  }
  for (unsigned threads : thread_counts) {
    set_aten_threads(static_cast<int>(threads));
    for (pass_kind kind : all_passes) {
      const std::function<void()> aten = d.aten.call(kind),
                                  engine = engine_call<T>(kind, d, threads);
      nlohmann::json row =
          d.aten.has_kernel(kind) ? paired(aten, engine, o) : engine_only(engine, o);
      row.update({{"name", shape.name},
                  {"kind", name_of(kind)},
                  {"dtype", format.name},
                  {"threads", threads}});
      results.push_back(std::move(row));
    }
  }
  return true;
}

// Runs the rows of one format on every selected shape, dispatching on its element type.
bool run_format(const format_entry& format, const options& o, nlohmann::json& results) {
  std::vector<unsigned> thread_counts{1u};
  if (engine::resolve_threads(0) > 1) thread_counts.push_back(engine::resolve_threads(0));
  for (const pool_shape& shape : o.small ? small_shapes() : full_shapes()) {
    if (shape.name.find(o.filter) == std::string::npos) continue;
    bool agrees = true;
    switch (format.format) {
      case reference::float_format::binary16:
      case reference::float_format::bfloat16:
        agrees = run_rows<std::uint16_t>(shape, format, thread_counts, o, results);
        break;
      case reference::float_format::binary32:
        agrees = run_rows<float>(shape, format, thread_counts, o, results);
        break;
      case reference::float_format::binary64:
        agrees = run_rows<double>(shape, format, thread_counts, o, results);
        break;
    }
    if (!agrees) return false;
  }
  return true;
}

const format_entry formats[] = {
    {"float32", reference::float_format::binary32, aten_dtype::float32},
    {"float64", reference::float_format::binary64, aten_dtype::float64},
    {"bfloat16", reference::float_format::bfloat16, aten_dtype::bfloat16},
    {"float16", reference::float_format::binary16, aten_dtype::float16},
};

// Every row of every dtype asked for into `results`: 0, or the exit status (1: the max forwards
// disagree or a call threw, 2: an unknown dtype), with the error printed.
int run_all(const options& o, nlohmann::json& results) {
  std::stringstream list(o.dtypes);
  for (std::string name; std::getline(list, name, ',');) {
    const auto* format = std::find_if(std::begin(formats), std::end(formats),
                                      [&](const format_entry& f) { return f.name == name; });
    if (format == std::end(formats)) {
      std::cerr << "aten_pool_bench: unknown dtype '" << name << "'\n";
      return 2;
    }
    try {
      if (!run_format(*format, o, results)) return 1;
    } catch (const std::exception& error) {
      std::cerr << "aten_pool_bench: " << error.what() << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace poolproof::bench

int main(int argc, char** argv) {
  using namespace poolproof::bench;
  options o;
  CLI::App app{"The fast engine and ATen's adaptive pooling, called alternately in one process"};
  app.add_flag("--small", o.small, "the small shapes, as ctest's smoke run");
  app.add_option("--rounds", o.rounds, "rounds per row (one block each side)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--block", o.block, "timed calls per block")->check(CLI::Range(1, 1000));
  app.add_option("--warmup", o.warmup, "untimed calls before each block")
      ->check(CLI::Range(0, 1000));
  app.add_option("--dtypes", o.dtypes, "comma-separated, of float32,float64,bfloat16,float16");
  app.add_option("--filter", o.filter, "only shapes whose name contains this");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  nlohmann::json results = nlohmann::json::array();
  if (const int status = run_all(o, results); status != 0) return status;
  std::cout << nlohmann::json{{"torch", aten_version()},
                              {"threads_all", poolproof::engine::resolve_threads(0)},
                              {"rounds", o.rounds},
                              {"block", o.block},
                              {"warmup", o.warmup},
                              {"results", results}}
                   .dump(1)
            << "\n";
  return 0;
}
