// ATen's adaptive pooling calls for aten_pool_bench (built as C++17: see aten_kernels.h).
#include "bench/aten_kernels.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/version.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <tuple>

namespace poolproof::bench {

struct aten_pooling::tensors {
  at::Tensor input, grad_output, indices;  // in ATen's shapes
  std::vector<std::int64_t> out_size;      // ATen's (1-D: height 1 first)
  bool three = false;
};

namespace {

at::ScalarType scalar_of(aten_dtype dtype) {
  switch (dtype) {
    case aten_dtype::float32:
      return at::kFloat;
    case aten_dtype::float64:
      return at::kDouble;
    case aten_dtype::bfloat16:
      return at::kBFloat16;
    case aten_dtype::float16:
      return at::kHalf;
  }
  throw std::logic_error("unknown dtype");
}

std::vector<std::int64_t> output_shape(const std::vector<std::int64_t>& input_shape,
                                       const std::vector<std::int64_t>& out_size) {
  std::vector<std::int64_t> shape(input_shape.begin(),
                                  input_shape.end() - static_cast<std::ptrdiff_t>(out_size.size()));
  shape.insert(shape.end(), out_size.begin(), out_size.end());
  return shape;
}

}  // namespace

aten_pooling::aten_pooling(const std::vector<std::int64_t>& input_shape,
                           const std::vector<std::int64_t>& out_size, aten_dtype dtype)
    : tensors_(std::make_unique<tensors>()) {
  std::vector<std::int64_t> input = input_shape, output = output_shape(input_shape, out_size);
  tensors_->out_size = out_size;
  tensors_->three = out_size.size() == 3;
  if (out_size.size() == 1) {
    input.insert(input.end() - 1, 1);
    output.insert(output.end() - 1, 1);
    tensors_->out_size.insert(tensors_->out_size.begin(), 1);
  }
  at::manual_seed(20261125);
  tensors_->input = at::randn(input).to(scalar_of(dtype)).contiguous();
  tensors_->grad_output = at::randn(output).to(scalar_of(dtype)).contiguous();
  tensors_->indices = at::zeros(output, at::kLong);
}

aten_pooling::~aten_pooling() = default;

const void* aten_pooling::input() const { return tensors_->input.data_ptr(); }
const void* aten_pooling::grad_output() const { return tensors_->grad_output.data_ptr(); }
std::int64_t* aten_pooling::indices() { return tensors_->indices.data_ptr<std::int64_t>(); }
const std::int64_t* aten_pooling::indices() const {
  return tensors_->indices.data_ptr<std::int64_t>();
}
std::int64_t aten_pooling::input_count() const { return tensors_->input.numel(); }
std::int64_t aten_pooling::output_count() const { return tensors_->grad_output.numel(); }

std::function<void()> aten_pooling::call(pass_kind kind) const {
  const tensors& t = *tensors_;
  switch (kind) {
    case pass_kind::avg_forward:
      return [&t] {
        const at::Tensor y = t.three ? at::adaptive_avg_pool3d(t.input, t.out_size)
                                     : at::adaptive_avg_pool2d(t.input, t.out_size);
        benchmark::DoNotOptimize(y.data_ptr());
      };
    case pass_kind::max_forward:
      return [&t] {
        const auto y = t.three ? at::adaptive_max_pool3d(t.input, t.out_size)
                               : at::adaptive_max_pool2d(t.input, t.out_size);
        benchmark::DoNotOptimize(std::get<0>(y).data_ptr());
      };
    case pass_kind::avg_backward:
      return [&t] {
        const at::Tensor g = t.three ? at::_adaptive_avg_pool3d_backward(t.grad_output, t.input)
                                     : at::_adaptive_avg_pool2d_backward(t.grad_output, t.input);
        benchmark::DoNotOptimize(g.data_ptr());
      };
    case pass_kind::max_backward:
      return [&t] {
        const at::Tensor g =
            t.three ? at::adaptive_max_pool3d_backward(t.grad_output, t.input, t.indices)
                    : at::adaptive_max_pool2d_backward(t.grad_output, t.input, t.indices);
        benchmark::DoNotOptimize(g.data_ptr());
      };
  }
  throw std::logic_error("unknown pass");
}

bool aten_pooling::has_kernel(pass_kind kind) const {
  try {
    call(kind)();
    return true;
  } catch (const c10::Error&) {
    return false;
  }
}

void aten_pooling::max_forward(void* values, std::int64_t* indices) const {
  const tensors& t = *tensors_;
  const auto [maxima, chosen] = t.three ? at::adaptive_max_pool3d(t.input, t.out_size)
                                        : at::adaptive_max_pool2d(t.input, t.out_size);
  const at::Tensor dense_values = maxima.contiguous(), dense_indices = chosen.contiguous();
  std::memcpy(values, dense_values.data_ptr(), dense_values.nbytes());
  std::memcpy(indices, dense_indices.data_ptr(), dense_indices.nbytes());
}

void set_aten_threads(int threads) { at::set_num_threads(threads); }

std::string aten_version() { return TORCH_VERSION; }

}  // namespace poolproof::bench
