// streamed_sums.h. Reading a 12.8 MB input whole cost the check more than its copy: the kernel
// zeroed and mapped 12.8 MB of fresh pages first, and the hash read it all again from memory.
// Here each thread that joins reads pieces into its own buffer of about 256 KiB, which stays in
// its cache while the piece is hashed and summed. One reader handing pieces to the other core
// was bound by its copying (the other core's sums waited on it, and read every piece across the
// cores); reading on both cores took the check from 2.6 to 2.3 ms (RESULTS.md part 19).
// Anything unexpected gives up, and the caller's whole read reports it with load_case's messages.
#include "golden/streamed_sums.h"

#include <poolproof/common/error.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/golden/npy.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <span>

#include "golden/check_parts.h"
#include "golden/suite_file.h"

namespace poolproof::golden::detail {
namespace {

constexpr std::size_t target_piece_bytes = std::size_t{256} << 10;
// Past a few threads the copies contend for memory more than they share out the sums.
constexpr int max_reader_threads = 4;

// The input's pieces (whole planes each), read, hashed and summed by every thread that joins:
// each claims the next piece, reads it into its own buffer, waits for the pieces before it to be
// hashed (the hash takes the file in order), hashes it and sums its planes while they are in its
// own cache. A thread waits only on a piece claimed earlier, whose thread is past its claim and
// makes no TBB call before hashing it, so every wait ends. An error or an inexact window stops
// the claiming and the waiting.
template <typename T>
class piece_readers {
 public:
  piece_readers(const file_at_offsets& file, std::size_t payload_offset,
                plane_window_summer<T>& summer, std::int64_t planes_per_piece, xxh128_stream& hash)
      : file_(file),
        payload_offset_(payload_offset),
        summer_(summer),
        planes_per_piece_(planes_per_piece),
        pieces_(
            static_cast<std::size_t>((summer.planes() + planes_per_piece - 1) / planes_per_piece)),
        hash_(hash) {}

  // Claims, reads, hashes and sums pieces until none is left or the read stopped.
  void read_here() {
    const common::default_float_environment environment;  // for the sums
    std::unique_ptr<T[]> buffer;  // NOLINT(cppcoreguidelines-avoid-c-arrays): not zeroed
    while (true) {
      const std::size_t piece = next_.fetch_add(1);
      if (piece >= pieces_ || hashed_.load() == stopped) return;
      try {
        if (!buffer)
          buffer = std::make_unique_for_overwrite<T[]>(
              static_cast<std::size_t>(planes_per_piece_ * summer_.plane_size()));
        if (!read_piece(piece, buffer.get())) return;
      } catch (...) {
        const std::scoped_lock lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        stop();
        return;
      }
    }
  }
  // Whether every piece was read, hashed and summed with exact sums; rethrows a reading error.
  [[nodiscard]] bool whole() const {
    if (error_) std::rethrow_exception(error_);
    return hashed_.load() == pieces_;
  }

 private:
  static constexpr std::size_t stopped = std::numeric_limits<std::size_t>::max();

  bool read_piece(std::size_t piece, T* values) {
    const auto first = static_cast<std::int64_t>(piece) * planes_per_piece_;
    const std::int64_t end = std::min(summer_.planes(), first + planes_per_piece_);
    const std::span<std::byte> bytes = std::as_writable_bytes(
        std::span(values, static_cast<std::size_t>((end - first) * summer_.plane_size())));
    const auto plane_bytes = static_cast<std::size_t>(summer_.plane_size()) * sizeof(T);
    // From the claim to the hash, no TBB call: a thread waits only on pieces claimed before its
    // own, whose threads are then past their claims and can only be reading or waiting in turn.
    file_.read_at(payload_offset_ + static_cast<std::size_t>(first) * plane_bytes, bytes);
    for (std::size_t seen = hashed_.load(); seen != piece; seen = hashed_.load()) {
      if (seen == stopped) return false;
      hashed_.wait(seen);
    }
    hash_.add(bytes);
    std::size_t expected = piece;
    if (!hashed_.compare_exchange_strong(expected, piece + 1)) return false;
    hashed_.notify_all();
    summer_.sum_planes_here(first, end, values);
    if (!summer_.exact(first, end)) {
      stop();
      return false;
    }
    return true;
  }
  void stop() {
    hashed_.store(stopped);
    hashed_.notify_all();
  }

  const file_at_offsets& file_;
  std::size_t payload_offset_;
  plane_window_summer<T>& summer_;
  std::int64_t planes_per_piece_;
  std::size_t pieces_;
  xxh128_stream& hash_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> hashed_{0};  // pieces hashed so far, in order, or `stopped`
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

// The file read by the caller and TBB's workers: its header into `header`, its planes summed.
// Returns whether the whole file was read: not when its size leaves no room for the case's
// payload, nor once a window is known to be inexact (the whole read then decides).
template <typename T>
bool read_in_parallel(const std::filesystem::path& suite_dir, const golden_file& file,
                      std::size_t max_bytes, plane_window_summer<T>& summer,
                      std::vector<std::byte>& header, xxh128_stream& hash) {
  const auto plane_bytes = static_cast<std::size_t>(summer.plane_size()) * sizeof(T);
  const std::size_t payload_bytes = static_cast<std::size_t>(summer.planes()) * plane_bytes;
  const file_at_offsets input = open_suite_file_at_offsets(suite_dir, file, max_bytes);
  if (input.size() <= payload_bytes) return false;
  // The header: every byte before the payload, as the file's size implies.
  header.resize(input.size() - payload_bytes);
  input.read_at(0, header);
  hash.add(header);
  const std::int64_t planes_per_piece = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(target_piece_bytes / plane_bytes), 1, summer.planes());
  piece_readers<T> readers(input, header.size(), summer, planes_per_piece, hash);
  {
    tbb::task_group helpers;
    const int threads = std::min(tbb::this_task_arena::max_concurrency(), max_reader_threads);
    for (int t = 1; t < threads; ++t) helpers.run([&readers] { readers.read_here(); });
    readers.read_here();
    helpers.wait();
  }
  if (!readers.whole()) return false;
  input.require_no_more();
  return true;
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
    if (!read_in_parallel(suite_dir, file, role_max_bytes(element, entry.input_shape), summer,
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
