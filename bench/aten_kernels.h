// PyTorch's CPU adaptive pooling (ATen, linked from Debian's libtorch) behind an interface free of
// ATen's headers: libtorch 1.13's headers do not compile as C++20 under clang 14 (clang-tidy's
// front end), so only aten_kernels.cc includes them, and it is built as C++17.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace poolproof::bench {

/// The four timed passes.
enum class pass_kind { avg_forward, max_forward, avg_backward, max_backward };

/// The dtypes ATen is asked for (binary16 and bfloat16 data are uint16 bit patterns).
enum class aten_dtype { float32, float64, bfloat16, float16 };

/// One shape `[N, C, *in]` pooled to `out_size` in one dtype, held in ATen's tensors: a standard
/// normal input and output gradient from a fixed seed, and argmax indices the caller fills in
/// (`indices()`) before timing max backward. A 1-D shape is viewed as 2-D of height 1 for ATen,
/// as PyTorch pools 1-D; the data are dense `[N, C, *in]` and `[N, C, *out]` arrays either way.
class aten_pooling {
 public:
  aten_pooling(const std::vector<std::int64_t>& input_shape,
               const std::vector<std::int64_t>& out_size, aten_dtype dtype);
  ~aten_pooling();
  aten_pooling(const aten_pooling&) = delete;
  aten_pooling& operator=(const aten_pooling&) = delete;

  [[nodiscard]] const void* input() const;
  [[nodiscard]] const void* grad_output() const;
  [[nodiscard]] std::int64_t* indices();
  [[nodiscard]] const std::int64_t* indices() const;
  [[nodiscard]] std::int64_t input_count() const;
  [[nodiscard]] std::int64_t output_count() const;

  /// ATen's call for `kind`, as torch_pool_bench.py makes it (the backward kernels without
  /// autograd); each call allocates its output, as PyTorch does. It throws c10::Error where ATen
  /// has no CPU kernel for the dtype: ask has_kernel first.
  [[nodiscard]] std::function<void()> call(pass_kind kind) const;
  [[nodiscard]] bool has_kernel(pass_kind kind) const;

  /// ATen's max forward: the values' bytes into `values` (output_count elements of the dtype)
  /// and the flat argmax indices into `indices`.
  void max_forward(void* values, std::int64_t* indices) const;

 private:
  struct tensors;
  std::unique_ptr<tensors> tensors_;
};

/// ATen's intra-op thread count (at::set_num_threads).
void set_aten_threads(int threads);

/// The libtorch version the program was built against.
std::string aten_version();

}  // namespace poolproof::bench
