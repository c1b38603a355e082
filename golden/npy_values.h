// .npy payloads used where they were read: a file read into storage of its element type, so the
// engine and the checks take its values as a span, without a copy per element.
#pragma once

#include <poolproof/common/fresh_pages.h>
#include <poolproof/golden/npy.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace poolproof::golden::detail {

/// A file's values of type T (std::uint16_t for the 16-bit patterns, float, double), used where
/// they were read: the file in storage of T, and its payload in it (numpy pads a header to 64
/// bytes, so the payload is aligned there), or a copy of the payload when its header leaves it
/// unaligned.
template <typename T>
class input_values {
 public:
  /// read_file_into's storage for a file of `size` bytes (common::page_buffer's, with room for
  /// its one byte more); forgets any payload taken before.
  [[nodiscard]] std::span<std::byte> storage(std::size_t size);
  /// Takes the `count` values at byte `offset` of the file read into storage() (read in full):
  /// POOLPROOF_CHECKs that they lie within its `size` bytes.
  void set_payload(std::size_t offset, std::size_t count);
  /// The payload's values (none before set_payload).
  [[nodiscard]] std::span<const T> values() const;

 private:
  common::page_buffer file_;
  std::size_t size_ = 0;  ///< the file's bytes at the front of file_
  std::vector<T> copy_;
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

/// Reads the .npy file at `path` into `values`, as read_npy_as would read it: of `layout`'s
/// element (whose width is sizeof(T), checked) and shape (read_npy_layout's, say), its header
/// validated as parse_npy validates it, and a file whose header or size is not that refused before
/// its payload is read. Throws input_error "cannot read npy '<path>': ...".
template <typename T>
void read_npy_values(const std::filesystem::path& path, const npy_array& layout,
                     input_values<T>& values, const npy_limits& limits = {});

}  // namespace poolproof::golden::detail
