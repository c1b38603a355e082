// streamed_sums.h. Reading a 12.8 MB input whole cost the check more than its copy: the kernel
// zeroed and mapped 12.8 MB of fresh pages first, and the hash read it all again from memory.
// Here the pieces go through four buffers of about 256 KiB that stay in the caches: the reader
// hashes each piece while it is fresh there and hands its planes to TBB, and waits for a buffer's
// planes to be summed before it reads into that buffer again (helping with the sums meanwhile).
// Anything unexpected gives up, and the caller's whole read reports it with load_case's messages.
#include "golden/streamed_sums.h"

#include <poolproof/common/error.h>
#include <poolproof/golden/npy.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <span>

#include "golden/check_parts.h"
#include "golden/suite_file.h"

namespace poolproof::golden::detail {
namespace {

constexpr std::size_t target_piece_bytes = std::size_t{256} << 10;

// Buffers of whole planes in turn, each with the task summing its planes; made when first used
// (a file of a few pieces gets no more) and not zeroed (the read fills what is summed). A
// summed piece with an inexact window marks the read as given up.
template <typename T>
class plane_ring {
 public:
  plane_ring(plane_window_summer<T>& summer, std::int64_t planes_per_buffer)
      : summer_(summer),
        buffer_values_(static_cast<std::size_t>(planes_per_buffer * summer.plane_size())) {}
  plane_ring(const plane_ring&) = delete;
  plane_ring& operator=(const plane_ring&) = delete;
  // The tasks read the buffers: they finish before the buffers go.
  ~plane_ring() {
    for (slot& s : slots_) {
      try {
        s.summing.wait();
      } catch (...) {  // NOLINT(bugprone-empty-catch): given up already, or failing anyway
      }
    }
  }

  // The next buffer, for `planes` planes, once the planes it held before are summed.
  std::span<T> next(std::int64_t planes) {
    slot& s = slots_[turn_ % slots_.size()];
    s.summing.wait();
    if (!s.values) s.values = std::make_unique_for_overwrite<T[]>(buffer_values_);
    return {s.values.get(), static_cast<std::size_t>(planes * summer_.plane_size())};
  }
  // Sums the planes just read into the buffer next() gave, from plane `first` on.
  void sum(std::int64_t first, std::int64_t planes) {
    slot& s = slots_[turn_++ % slots_.size()];
    s.summing.run([this, first, planes, values = s.values.get()] {
      summer_.sum_planes(first, first + planes, values);
      if (!summer_.exact(first, first + planes)) inexact_.store(true, std::memory_order_relaxed);
    });
  }
  // Whether a piece summed so far has a window whose sums are not exact.
  [[nodiscard]] bool inexact() const { return inexact_.load(std::memory_order_relaxed); }
  // Waits for every plane handed out; rethrows a summing error.
  void finish() {
    for (slot& s : slots_) s.summing.wait();
  }

 private:
  struct slot {
    std::unique_ptr<T[]> values;  // NOLINT(cppcoreguidelines-avoid-c-arrays): not zeroed
    tbb::task_group summing;
  };
  plane_window_summer<T>& summer_;
  std::size_t buffer_values_;
  std::size_t turn_ = 0;
  std::atomic<bool> inexact_{false};
  std::array<slot, 4> slots_;
};

// The file read through the ring: its header into `header`, its planes summed. Returns whether
// the whole file was read: not when its size leaves no room for the case's payload, nor once a
// window is known to be inexact (the whole read then decides).
template <typename T>
bool read_through_ring(const std::filesystem::path& suite_dir, const golden_file& file,
                       std::size_t max_bytes, plane_window_summer<T>& summer,
                       std::vector<std::byte>& header, xxh128_stream& hash) {
  const auto plane_bytes = static_cast<std::size_t>(summer.plane_size()) * sizeof(T);
  const std::size_t payload_bytes = static_cast<std::size_t>(summer.planes()) * plane_bytes;
  const std::int64_t planes_per_buffer = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(target_piece_bytes / plane_bytes), 1, summer.planes());
  plane_ring<T> ring(summer, planes_per_buffer);
  std::int64_t next_plane = 0;
  const auto next = [&](std::size_t size, std::size_t read) -> std::span<std::byte> {
    if (read == 0) {
      // The header: every byte before the payload, as the file's size implies.
      if (size <= payload_bytes) return {};
      header.resize(size - payload_bytes);
      return header;
    }
    if (ring.inexact()) return {};
    return std::as_writable_bytes(
        ring.next(std::min(planes_per_buffer, summer.planes() - next_plane)));
  };
  const auto read = [&](std::span<const std::byte> piece) {
    hash.add(piece);
    if (piece.data() == header.data()) return;
    const auto planes = static_cast<std::int64_t>(piece.size() / plane_bytes);
    ring.sum(next_plane, planes);
    next_plane += planes;
  };
  const bool whole = read_suite_file_in_pieces(suite_dir, file, max_bytes, next, read);
  ring.finish();
  return whole && !ring.inexact();
}

}  // namespace

template <typename T>
std::optional<std::vector<window_sums>> streamed_window_sums(const std::filesystem::path& suite_dir,
                                                             const golden_case& entry,
                                                             const pooling_problem& problem) {
  const golden_file& file = role_entry(entry, role::input);
  if (file.xxh128.empty()) return std::nullopt;
  const npy_element element = npy_element_for(entry.dtype);
  try {
    plane_window_summer<T> summer(problem);
    const auto plane_bytes = static_cast<std::size_t>(summer.plane_size()) * sizeof(T);
    if (summer.planes() == 0 || plane_bytes > max_streamed_plane_bytes) return std::nullopt;
    std::vector<std::byte> header;
    xxh128_stream hash;
    if (!read_through_ring(suite_dir, file, role_max_bytes(element, entry.input_shape), summer,
                           header, hash))
      return std::nullopt;
    if (hash.hex() != file.xxh128) return std::nullopt;
    const npy_prefix parsed = parse_npy_prefix(
        header, header.size() + static_cast<std::size_t>(summer.planes()) * plane_bytes, file.path);
    if (parsed.payload_offset != header.size() || parsed.layout.element != element ||
        !std::ranges::equal(parsed.layout.shape, entry.input_shape))
      return std::nullopt;
    return summer.take_sums();
  } catch (const common::input_error&) {
    return std::nullopt;  // the whole read reports it, in its order
  } catch (const std::bad_alloc&) {
    return std::nullopt;
  }
}

template std::optional<std::vector<window_sums>> streamed_window_sums<std::uint16_t>(
    const std::filesystem::path&, const golden_case&, const pooling_problem&);
template std::optional<std::vector<window_sums>> streamed_window_sums<float>(
    const std::filesystem::path&, const golden_case&, const pooling_problem&);

}  // namespace poolproof::golden::detail
