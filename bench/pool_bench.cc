// Google Benchmark of exact adaptive pooling: the fast engine (single thread and all cores) on
// the shapes, and the plain rational reference beside it on small shapes.
// `--small` runs only the small shapes (the ctest smoke run); other flags go to Google Benchmark.
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/bench_shapes.h"
#include "reference/adaptive_pool.h"
#include "reference/fast_adaptive_pool.h"
#include "reference/float_format.h"

namespace poolproof::bench {
namespace {

// Inputs of one shape, shared by every benchmark of it and made on first use (so a filtered
// run only pays for the shapes it runs).
struct pool_data {
  pool_shape shape;
  std::vector<std::int64_t> out_shape;
  std::vector<float> input;
  std::vector<float> grad_output;
  std::vector<std::int64_t> indices;
};

pool_data make_data(const pool_shape& shape) {
  pool_data d{shape, adaptive_output_shape(shape.input, shape.out_size), {}, {}, {}};
  d.input = normal_floats(count_of(shape.input));
  d.grad_output = normal_floats(count_of(d.out_shape), 7);
  d.indices.resize(d.grad_output.size());
  std::vector<float> values(d.grad_output.size());
  fast_adaptive_max_pool<float>(float_format::binary32, shape.input, d.input, shape.out_size,
                                values, d.indices, 0);
  return d;
}

class lazy_data {
 public:
  explicit lazy_data(pool_shape shape) : shape_(std::move(shape)) {}
  const pool_shape& shape() const { return shape_; }
  const pool_data& get() {
    std::call_once(once_, [this] { data_ = std::make_unique<pool_data>(make_data(shape_)); });
    return *data_;
  }

 private:
  pool_shape shape_;
  std::once_flag once_;
  std::unique_ptr<pool_data> data_;
};

exact_tensor exact_of(const std::vector<std::int64_t>& shape, const std::vector<float>& values) {
  exact_tensor tensor{shape, {}};
  for (float x : values)
    tensor.values.push_back(decode(float_format::binary32, std::bit_cast<std::uint32_t>(x)));
  return tensor;
}

using kernel = std::function<void(const pool_data&, unsigned threads)>;

// An output buffer allocated per call without initialisation, as PyTorch allocates its outputs
// per call (the engine writes every element).
template <typename T>
struct buffer {
  explicit buffer(std::size_t size) : data(new T[size]), span(data.get(), size) {}
  std::unique_ptr<T[]> data;
  std::span<T> span;
};

void fast_avg_forward(const pool_data& d, unsigned threads) {
  buffer<float> out(d.grad_output.size());
  fast_adaptive_avg_pool<float>(float_format::binary32, d.shape.input, d.input, d.shape.out_size,
                                out.span, threads);
  benchmark::DoNotOptimize(out.data.get());
}

void fast_max_forward(const pool_data& d, unsigned threads) {
  buffer<float> out(d.grad_output.size());
  buffer<std::int64_t> indices(d.grad_output.size());
  fast_adaptive_max_pool<float>(float_format::binary32, d.shape.input, d.input, d.shape.out_size,
                                out.span, indices.span, threads);
  benchmark::DoNotOptimize(out.data.get());
}

void fast_avg_backward(const pool_data& d, unsigned threads) {
  buffer<float> grad_input(d.input.size());
  fast_adaptive_avg_pool_backward<float>(float_format::binary32, d.shape.input, d.shape.out_size,
                                         d.grad_output, grad_input.span, threads);
  benchmark::DoNotOptimize(grad_input.data.get());
}

void fast_max_backward(const pool_data& d, unsigned threads) {
  buffer<float> grad_input(d.input.size());
  fast_adaptive_max_pool_backward<float>(float_format::binary32, d.shape.input, d.shape.out_size,
                                         d.grad_output, d.indices, grad_input.span, threads);
  benchmark::DoNotOptimize(grad_input.data.get());
}

// Registers `run`, timed after one untimed warm-up call (which also makes the inputs).
void register_timed(const std::string& name, const std::shared_ptr<lazy_data>& lazy,
                    const std::function<void()>& run) {
  benchmark::RegisterBenchmark(
      name.c_str(),
      [run, lazy](benchmark::State& state) {
        run();
        for (auto _ : state) run();
        state.SetItemsProcessed(state.iterations() * count_of(lazy->shape().input));
      })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

// The plain reference: exact rationals; the conversion of the inputs is done once, untimed.
void register_plain(const std::shared_ptr<lazy_data>& lazy) {
  struct exact_data {
    exact_tensor input, grads;
  };
  auto exact = std::make_shared<std::optional<exact_data>>();
  auto get = [lazy, exact]() -> const exact_data& {
    if (!*exact) {
      const pool_data& d = lazy->get();
      exact->emplace(
          exact_data{exact_of(d.shape.input, d.input), exact_of(d.out_shape, d.grad_output)});
    }
    return **exact;
  };
  const std::string suffix = "/" + lazy->shape().name + "/threads:1";
  const std::size_t dims = lazy->shape().out_size.size();
  const std::vector<std::int64_t> in = lazy->shape().input, out = lazy->shape().out_size;
  register_timed("plain_avg_forward" + suffix, lazy,
                 [get, out] { benchmark::DoNotOptimize(adaptive_avg_pool(get().input, out)); });
  register_timed("plain_max_forward" + suffix, lazy,
                 [get, out] { benchmark::DoNotOptimize(adaptive_max_pool(get().input, out)); });
  register_timed("plain_avg_backward" + suffix, lazy, [get, in, dims] {
    benchmark::DoNotOptimize(adaptive_avg_pool_backward(get().grads, in, dims));
  });
  register_timed("plain_max_backward" + suffix, lazy, [get, lazy, in, dims] {
    benchmark::DoNotOptimize(
        adaptive_max_pool_backward(get().grads, lazy->get().indices, in, dims));
  });
}

void register_fast(const std::shared_ptr<lazy_data>& lazy) {
  const std::vector<std::pair<std::string, kernel>> kernels{
      {"fast_avg_forward", fast_avg_forward},
      {"fast_max_forward", fast_max_forward},
      {"fast_avg_backward", fast_avg_backward},
      {"fast_max_backward", fast_max_backward}};
  for (const auto& [name, run] : kernels) {
    for (unsigned threads : {1u, resolve_threads(0)}) {
      register_timed(name + "/" + lazy->shape().name + "/threads:" + std::to_string(threads), lazy,
                     [run = run, lazy, threads] { run(lazy->get(), threads); });
    }
  }
}

}  // namespace
}  // namespace poolproof::bench

int main(int argc, char** argv) {
  using namespace poolproof::bench;
  return run_benchmark_main(argc, argv, [](bool small_only) {
    if (!small_only) {
      for (const pool_shape& shape : full_shapes())
        register_fast(std::make_shared<lazy_data>(shape));
    }
    for (const pool_shape& shape : small_shapes()) {
      const auto lazy = std::make_shared<lazy_data>(shape);
      register_fast(lazy);
      register_plain(lazy);
    }
  });
}
