// Faulting in a fresh buffer's pages in batches before it is written in full (the engine's
// outputs, the golden reader's buffers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace poolproof::common {

/// A hint that `bytes` is about to be written in full: the whole pages inside it that are not
/// yet present (a fresh allocation: large ones come straight from mmap) are faulted in by the
/// kernel in one call per 4 MiB instead of one page fault per 4 KiB as the pass writes them.
/// Spans under 4 MiB are left alone (the backward passes call it on each worker's planes).
/// Contents, protection and mapping stay as they were; failures (an older kernel, a mapping that
/// cannot be populated) are ignored, and the pass then faults as it would have.
void prefault_for_writing(std::span<std::byte> bytes) noexcept;

/// prefault_for_writing of planes [first, end) of a tensor of `plane`-element planes.
template <typename T>
void prefault_planes(std::span<T> tensor, std::int64_t plane, std::int64_t first,
                     std::int64_t end) noexcept {
  prefault_for_writing(std::as_writable_bytes(tensor.subspan(
      static_cast<std::size_t>(first * plane), static_cast<std::size_t>((end - first) * plane))));
}

/// Storage for a large buffer about to be filled in full (a file read whole): an anonymous mapping
/// of its own, advised to take transparent huge pages (or else populated in one call), so filling
/// it costs a fault per 2 MiB instead of one per 4 KiB page and no zeroing beyond the kernel's;
/// freed when destroyed. Its bytes are zero until written. Under 2 MiB, or where the mapping fails,
/// a heap block (zeroed). The start is aligned for any scalar (operator new's alignment at least).
class page_buffer {
 public:
  page_buffer() = default;
  explicit page_buffer(std::size_t size);
  page_buffer(page_buffer&& other) noexcept;
  page_buffer& operator=(page_buffer&& other) noexcept;
  page_buffer(const page_buffer&) = delete;
  page_buffer& operator=(const page_buffer&) = delete;
  ~page_buffer();

  [[nodiscard]] std::span<std::byte> bytes() { return {data_, size_}; }
  [[nodiscard]] std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  void release() noexcept;

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;     ///< the mapping's length; 0 for a heap block (or none)
  std::byte* base_ = nullptr;  ///< the mapping's start (data_ is its first huge page boundary)
  std::vector<std::byte> heap_;
};

/// `count` value-initialised elements in storage whose pages were faulted in by
/// prefault_for_writing before the elements were written (a buffer about to be filled in full).
template <typename T>
[[nodiscard]] std::vector<T> prefaulted_vector(std::size_t count) {
  std::vector<T> values;
  values.reserve(count);
  // The reserved storage is allocated but holds no elements yet: only its pages are touched.
  prefault_for_writing(std::as_writable_bytes(std::span<T>(values.data(), count)));
  values.resize(count);
  return values;
}

}  // namespace poolproof::common
