// Google Benchmark of exact adaptive pooling: the fast engine (single thread and all cores) on
// the shapes in float32, float64 and bfloat16, single thread in float16, a trivial
// streaming read of each input (the memory-bandwidth yardstick), and the plain rational reference
// beside the engine on small shapes.
// `--small` runs only the small shapes (the ctest smoke run); other flags go to Google Benchmark.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/bench_shapes.h"
#include "bench/output_buffer.h"

namespace poolproof::bench {
namespace {

// Inputs of one shape in one format (T is the fast engine's element type for it), shared by
// every benchmark of that shape and format.
template <typename T>
struct pool_data {
  pool_shape shape;
  reference::float_format format;
  std::vector<std::int64_t> out_shape;
  std::vector<T> input;
  std::vector<T> grad_output;
  std::vector<std::int64_t> indices;
};

// Normal float32 values in another format: float64 exactly; the 16-bit formats by truncating
// the significand (any pattern serves as a benchmark input; flushing the rare tiny values of
// float16 to zero and saturating to infinity keeps the conversion three lines).
template <typename T>
T converted(float x, reference::float_format format) {
  if constexpr (!std::same_as<T, std::uint16_t>) {
    return static_cast<T>(x);
  } else {
    const auto bits = std::bit_cast<std::uint32_t>(x);
    if (format == reference::float_format::bfloat16) return static_cast<std::uint16_t>(bits >> 16);
    const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const int exponent = static_cast<int>((bits >> 23) & 0xFFu) - 127 + 15;
    if (exponent <= 0) return sign;
    if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7C00u);
    return static_cast<std::uint16_t>(sign | (static_cast<unsigned>(exponent) << 10) |
                                      ((bits >> 13) & 0x3FFu));
  }
}

template <typename T>
std::vector<T> converted(const std::vector<float>& values, reference::float_format format) {
  std::vector<T> result;
  result.reserve(values.size());
  for (float x : values) result.push_back(converted<T>(x, format));
  return result;
}

template <typename T>
pool_data<T> make_data(const pool_shape& shape, reference::float_format format) {
  pool_data<T> d{shape, format, reference::adaptive_output_shape(shape.input, shape.out_size),
                 {},    {},     {}};
  d.input = converted<T>(normal_floats(count_of(shape.input)), format);
  d.grad_output = converted<T>(normal_floats(count_of(d.out_shape), 7), format);
  d.indices.resize(d.grad_output.size());
  std::vector<T> values(d.grad_output.size());
  engine::adaptive_max_pool<T>(format, shape.input, d.input, shape.out_size, values, d.indices, 0);
  return d;
}

template <typename T>
class lazy_data {
 public:
  lazy_data(pool_shape shape, reference::float_format format)
      : shape_(std::move(shape)), format_(format) {}
  const pool_shape& shape() const { return shape_; }
  const pool_data<T>& get() {
    std::call_once(
        once_, [this] { data_ = std::make_unique<pool_data<T>>(make_data<T>(shape_, format_)); });
    return *data_;
  }

 private:
  pool_shape shape_;
  reference::float_format format_;
  std::once_flag once_;
  std::unique_ptr<pool_data<T>> data_;
};

reference::exact_tensor exact_of(const std::vector<std::int64_t>& shape,
                                 const std::vector<float>& values) {
  reference::exact_tensor tensor{shape, {}};
  for (float x : values)
    tensor.values.push_back(
        decode(reference::float_format::binary32, std::bit_cast<std::uint32_t>(x)));
  return tensor;
}

template <typename T>
void fast_avg_forward(const pool_data<T>& d, unsigned threads) {
  output_buffer<T> out(static_cast<std::int64_t>(d.grad_output.size()));
  engine::adaptive_avg_pool<T>(d.format, d.shape.input, d.input, d.shape.out_size, out.span,
                               threads);
  benchmark::DoNotOptimize(out.data.get());
}

template <typename T>
void fast_max_forward(const pool_data<T>& d, unsigned threads) {
  output_buffer<T> out(static_cast<std::int64_t>(d.grad_output.size()));
  output_buffer<std::int64_t> indices(static_cast<std::int64_t>(d.grad_output.size()));
  engine::adaptive_max_pool<T>(d.format, d.shape.input, d.input, d.shape.out_size, out.span,
                               indices.span, threads);
  benchmark::DoNotOptimize(out.data.get());
}

template <typename T>
void fast_avg_backward(const pool_data<T>& d, unsigned threads) {
  output_buffer<T> grad_input(static_cast<std::int64_t>(d.input.size()));
  engine::adaptive_avg_pool_backward<T>(d.format, d.shape.input, d.shape.out_size, d.grad_output,
                                        grad_input.span, threads);
  benchmark::DoNotOptimize(grad_input.data.get());
}

template <typename T>
void fast_max_backward(const pool_data<T>& d, unsigned threads) {
  output_buffer<T> grad_input(static_cast<std::int64_t>(d.input.size()));
  engine::adaptive_max_pool_backward<T>(d.format, d.shape.input, d.shape.out_size, d.grad_output,
                                        d.indices, grad_input.span, threads);
  benchmark::DoNotOptimize(grad_input.data.get());
}

// The OR of every 64-bit word of [begin, end) (a multiple of 64 bytes apart), in four independent
// 16-byte accumulators: work light enough that the loads set the pace.
std::uint64_t or_words(const std::byte* begin, const std::byte* end) {
  using words [[gnu::vector_size(16)]] = std::uint64_t;
  words a{}, b{}, c{}, d{};
  for (const std::byte* at = begin; at < end; at += 64) {
    words x[4];
    std::memcpy(x, at, sizeof x);
    a |= x[0];
    b |= x[1];
    c |= x[2];
    d |= x[3];
  }
  const words all = (a | b) | (c | d);
  return all[0] | all[1];
}

// A trivial streaming read of `input` (its 64-byte blocks; the tail is not read), split into one
// contiguous part per thread of an OpenMP team, as the engine splits planes.
template <typename T>
void stream_read(const std::vector<T>& input, unsigned threads) {
  const auto* bytes = reinterpret_cast<const std::byte*>(input.data());
  const std::size_t blocks = input.size() * sizeof(T) / 64;
  std::uint64_t seen = 0;
  if (threads <= 1) {
    seen = or_words(bytes, bytes + blocks * 64);
  } else {
    std::vector<std::uint64_t> parts(threads);
#pragma omp parallel num_threads(static_cast <int>(threads))
    {
      const auto w = static_cast<std::size_t>(omp_get_thread_num());
      const auto team = static_cast<std::size_t>(omp_get_num_threads());
      parts[w] = or_words(bytes + blocks * w / team * 64, bytes + blocks * (w + 1) / team * 64);
    }
    for (std::uint64_t part : parts) seen |= part;
  }
  benchmark::DoNotOptimize(seen);
}

// Registers `run`, timed after one untimed warm-up call (which also makes the inputs).
void register_timed(const std::string& name, std::int64_t items, const std::function<void()>& run) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [run, items](benchmark::State& state) {
                                 run();
                                 for (auto _ : state) run();
                                 state.SetItemsProcessed(state.iterations() * items);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// The plain reference: exact rationals; the conversion of the inputs is done once, untimed.
void register_plain(const std::shared_ptr<lazy_data<float>>& lazy) {
  struct exact_data {
    reference::exact_tensor input, grads;
  };
  auto exact = std::make_shared<std::optional<exact_data>>();
  auto get = [lazy, exact]() -> const exact_data& {
    if (!*exact) {
      const pool_data<float>& d = lazy->get();
      exact->emplace(
          exact_data{exact_of(d.shape.input, d.input), exact_of(d.out_shape, d.grad_output)});
    }
    return **exact;
  };
  const std::string suffix = "/" + lazy->shape().name + "/threads:1";
  const std::int64_t items = count_of(lazy->shape().input);
  const std::size_t dims = lazy->shape().out_size.size();
  const std::vector<std::int64_t> in = lazy->shape().input, out = lazy->shape().out_size;
  register_timed("plain_avg_forward" + suffix, items, [get, out] {
    benchmark::DoNotOptimize(reference::adaptive_avg_pool(get().input, out));
  });
  register_timed("plain_max_forward" + suffix, items, [get, out] {
    benchmark::DoNotOptimize(reference::adaptive_max_pool(get().input, out));
  });
  register_timed("plain_avg_backward" + suffix, items, [get, in, dims] {
    benchmark::DoNotOptimize(reference::adaptive_avg_pool_backward(get().grads, in, dims));
  });
  register_timed("plain_max_backward" + suffix, items, [get, lazy, in, dims] {
    benchmark::DoNotOptimize(
        reference::adaptive_max_pool_backward(get().grads, lazy->get().indices, in, dims));
  });
}

// `fast_<kind>/<shape>/threads:<t>` for float32 (compare.py's names), `fast_<dtype>_<kind>/...`
// for the other formats.
template <typename T>
void register_fast(const std::shared_ptr<lazy_data<T>>& lazy, reference::float_format format,
                   const std::vector<unsigned>& thread_counts) {
  using kernel = void (*)(const pool_data<T>&, unsigned);
  const std::vector<std::pair<std::string, kernel>> kernels{{"avg_forward", fast_avg_forward<T>},
                                                            {"max_forward", fast_max_forward<T>},
                                                            {"avg_backward", fast_avg_backward<T>},
                                                            {"max_backward", fast_max_backward<T>}};
  const std::string prefix = format == reference::float_format::binary32
                                 ? "fast_"
                                 : "fast_" + std::string(reference::format_name(format)) + "_";
  for (const auto& [kind, run] : kernels) {
    for (unsigned threads : thread_counts) {
      register_timed(
          prefix + kind + "/" + lazy->shape().name + "/threads:" + std::to_string(threads),
          count_of(lazy->shape().input), [run = run, lazy, threads] { run(lazy->get(), threads); });
    }
  }
  // `<prefix>stream_read/...`: the same input read once, beside the passes that read it.
  for (unsigned threads : thread_counts) {
    register_timed(
        prefix + "stream_read/" + lazy->shape().name + "/threads:" + std::to_string(threads),
        count_of(lazy->shape().input),
        [lazy, threads] { stream_read(lazy->get().input, threads); });
  }
}

template <typename T>
void register_format(const std::vector<pool_shape>& shapes, reference::float_format format,
                     const std::vector<unsigned>& thread_counts) {
  for (const pool_shape& shape : shapes)
    register_fast(std::make_shared<lazy_data<T>>(shape, format), format, thread_counts);
}

}  // namespace
}  // namespace poolproof::bench

int main(int argc, char** argv) {
  using namespace poolproof::bench;
  namespace reference = poolproof::reference;
  return run_benchmark_main(argc, argv, [](bool small_only) {
    const std::vector<pool_shape> shapes = small_only ? small_shapes() : full_shapes();
    if (!small_only) {
      for (const pool_shape& shape : shapes) {
        register_fast(std::make_shared<lazy_data<float>>(shape, reference::float_format::binary32),
                      reference::float_format::binary32,
                      {1u, poolproof::engine::resolve_threads(0)});
      }
    }
    for (const pool_shape& shape : small_shapes()) {
      const auto lazy =
          std::make_shared<lazy_data<float>>(shape, reference::float_format::binary32);
      register_fast(lazy, reference::float_format::binary32,
                    {1u, poolproof::engine::resolve_threads(0)});
      register_plain(lazy);
    }
    // PyTorch has float64 and bfloat16 kernels on both cores; float16 is compared with the
    // engine's own float32, single thread.
    const std::vector<unsigned> both{1u, poolproof::engine::resolve_threads(0)};
    register_format<double>(shapes, reference::float_format::binary64, both);
    register_format<std::uint16_t>(shapes, reference::float_format::bfloat16, both);
    register_format<std::uint16_t>(shapes, reference::float_format::binary16, {1u});
  });
}
