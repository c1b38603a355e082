// The benchmarks' output buffer: allocated per call, as PyTorch allocates its outputs, and aligned
// to 64 bytes as PyTorch's CPU allocator aligns them, without initialisation (every pass writes
// every element).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

namespace poolproof::bench {

template <typename T>
struct output_buffer {
  explicit output_buffer(std::int64_t size)
      : data(allocate(static_cast<std::size_t>(size))),
        span(data.get(), static_cast<std::size_t>(size)) {}

  struct release {
    void operator()(T* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<T[], release> data;
  std::span<T> span;

 private:
  static T* allocate(std::size_t count) {
    constexpr std::size_t alignment = 64;
    const std::size_t bytes = (count * sizeof(T) + alignment - 1) / alignment * alignment;
    void* p = std::aligned_alloc(alignment, bytes == 0 ? alignment : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
};

}  // namespace poolproof::bench
