// NumPy .npy files of the golden dtypes: a bounded, validating reader and a deterministic writer.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// The element types a golden file may hold, by NumPy descr. NumPy has no bfloat16, so bfloat16
/// tensors are stored as '<u2' bit patterns and the manifest's dtype says how to read them.
enum class npy_element { f2, u2, f4, f8, i8 };

/// "<f2", "<u2", "<f4", "<f8", "<i8".
[[nodiscard]] std::string_view npy_descr(npy_element element);

/// The element type a tensor of `format` is stored as (bfloat16 -> u2).
[[nodiscard]] npy_element npy_element_for(reference::float_format format);

/// A C-order array: each element's raw little-endian bits, zero-extended to 64 bits (an i8
/// element is its two's complement pattern). words.size() is the product of shape.
struct npy_array {
  npy_element element = npy_element::f4;
  std::vector<std::int64_t> shape;
  std::vector<std::uint64_t> words;

  friend bool operator==(const npy_array&, const npy_array&) = default;
};

/// What a reader accepts before it allocates: bounds against hostile headers.
struct npy_limits {
  std::size_t max_header_bytes = 65536;
  std::int64_t max_elements = std::int64_t{1} << 30;
};

/// Parses a whole .npy file (format versions 1.0, 2.0, 3.0). The header must be a Python dict
/// literal with exactly the keys 'descr', 'fortran_order' and 'shape' (any order, '' or "" quotes,
/// optional trailing commas), followed by spaces and a final newline. Accepts only the descrs
/// above (little-endian '<', as NumPy writes them), fortran_order False, at most 32 axes of
/// non-negative sizes whose product is within limits, and exactly the payload the shape needs.
/// Throws input_error "cannot read npy '<name>': <reason>" otherwise.
[[nodiscard]] npy_array parse_npy(std::span<const std::byte> bytes, std::string_view name,
                                  const npy_limits& limits = {});

/// A whole .npy file's header, validated as parse_npy validates it (layout.words left empty),
/// and its payload: the shape's elements, little-endian, C order (a view into `bytes`).
struct npy_payload {
  npy_array layout;
  std::span<const std::byte> payload;
};

/// parse_npy without decoding the payload into words (for arrays of millions of elements).
[[nodiscard]] npy_payload parse_npy_header(std::span<const std::byte> bytes, std::string_view name,
                                           const npy_limits& limits = {});

/// A .npy file's header, validated as parse_npy_header validates it, and where its payload starts.
struct npy_prefix {
  npy_array layout;  ///< words left empty
  std::size_t payload_offset = 0;
};

/// parse_npy_header of a file of `file_size` bytes from its first bytes, `prefix` (which must
/// hold the whole header, or the header is "truncated"): the same checks and messages.
[[nodiscard]] npy_prefix parse_npy_prefix(std::span<const std::byte> prefix, std::size_t file_size,
                                          std::string_view name, const npy_limits& limits = {});

/// The number of elements of an array of `shape` (non-negative sizes, as a header parses them;
/// 0 when any is 0). Throws input_error "cannot read npy '<name>': shape overflow: more than N
/// elements" past limits.max_elements.
[[nodiscard]] std::int64_t npy_element_count(std::span<const std::int64_t> shape,
                                             std::string_view name, const npy_limits& limits = {});

/// Reads and parses `path` (refusing files larger than the limits allow before reading them).
[[nodiscard]] npy_array read_npy(const std::filesystem::path& path, const npy_limits& limits = {});

/// The largest .npy file of `count` elements of `element` the reader accepts: a 12-byte prelude,
/// a header of at most limits.max_header_bytes, and the payload.
[[nodiscard]] std::size_t npy_max_file_bytes(npy_element element, std::int64_t count,
                                             const npy_limits& limits = {});

/// The element type and shape of the .npy file at `path` (words left empty), from its header
/// alone: at most 12 + limits.max_header_bytes bytes are read. Throws input_error as parse_npy
/// does for the header, a shape of more than limits.max_elements elements included.
[[nodiscard]] npy_array read_npy_layout(const std::filesystem::path& path,
                                        const npy_limits& limits = {});

/// Reads `path` as an array of exactly `element` and `shape`: the header is read and checked
/// first (require_npy_layout's messages), and a file whose size is not that header plus the
/// shape's payload is refused before its payload is read, so memory stays what the expected
/// array needs, whatever the file claims. Throws input_error "cannot read npy '<path>': ...".
[[nodiscard]] npy_array read_npy_as(const std::filesystem::path& path, npy_element element,
                                    std::span<const std::int64_t> shape,
                                    const npy_limits& limits = {});

/// The version 1.0 encoding of `array`, byte for byte what numpy.save (NumPy 1.24) writes for it:
/// sorted keys, 21 - len(str(shape[0])) growth spaces, padded with spaces and '\n' to a multiple
/// of 64 bytes. Preconditions (checked): words.size() is the product of shape, every word fits
/// the element's width, at most 32 axes.
[[nodiscard]] std::vector<std::byte> serialize_npy(const npy_array& array);

/// serialize_npy of an array of `element` and `shape` whose payload is `payload`: each element's
/// little-endian bytes in C order, copied as they are. Preconditions (checked): payload.size() is
/// the shape's product times the element's width, at most 32 axes.
[[nodiscard]] std::vector<std::byte> serialize_npy_payload(npy_element element,
                                                           std::span<const std::int64_t> shape,
                                                           std::span<const std::byte> payload);

/// Checks that a parsed array (e.g. a candidate's output) has the element type and shape the
/// suite expects. Throws input_error "cannot read npy '<name>': dtype '<f8', expected '<f4'" or
/// "... shape (2, 4), expected (2, 3)".
void require_npy_layout(const npy_array& array, npy_element element,
                        std::span<const std::int64_t> shape, std::string_view name);

/// `text` as it may appear in a one-line error message, in single quotes: bytes outside printable
/// ASCII as \xHH, cut after 200 characters with "...". For text read from hostile files.
[[nodiscard]] std::string quote_for_message(std::string_view text);

/// The whole regular file at `path`, refusing (before reading) a non-regular file or one over
/// max_bytes. Throws input_error "cannot read <what> '<path>': <reason>".
[[nodiscard]] std::vector<std::byte> read_file_bytes(const std::filesystem::path& path,
                                                     std::size_t max_bytes, std::string_view what);

/// Where read_file_into reads a file of `size` bytes: at least size + 1 writable bytes.
using file_storage = std::function<std::span<std::byte>(std::size_t size)>;

/// Storage for read_file_into in `bytes` (size + 1 bytes, their pages faulted in a batch); the
/// caller shrinks `bytes` to the size read.
[[nodiscard]] file_storage byte_storage(std::vector<std::byte>& bytes);

/// Told, as a file is read, how many of its first bytes are in the storage so far (more at each
/// call; a caller can start on them while the rest is read).
using read_progress = std::function<void(std::size_t bytes_read)>;

/// read_file_bytes into storage the caller provides (a buffer of the payload's own type, say):
/// `storage` is called once, with the size seen before reading; `progress`, if any, after each
/// piece of at most read_piece_bytes is read. Returns the file's bytes, the first of that
/// storage. Throws as read_file_bytes (what `progress` throws too), and POOLPROOF_CHECKs the
/// storage's size.
[[nodiscard]] std::span<std::byte> read_file_into(const std::filesystem::path& path,
                                                  std::size_t max_bytes, std::string_view what,
                                                  const file_storage& storage,
                                                  const read_progress& progress = {});

/// A file opened with read_file_into's checks (a regular file of at most max_bytes), read at any
/// offsets, from any number of threads at once: for reading its pieces in parallel.
class file_at_offsets {
 public:
  /// Opens `path`. Throws read_file_into's input_error ("cannot read <what> '<path>': ...") for
  /// a missing or non-regular file, one over max_bytes, or one that cannot be opened.
  file_at_offsets(const std::filesystem::path& path, std::size_t max_bytes, std::string_view what);
  file_at_offsets(const file_at_offsets&) = delete;
  file_at_offsets& operator=(const file_at_offsets&) = delete;
  ~file_at_offsets();

  /// The file's size, as the open file's status gave it.
  [[nodiscard]] std::size_t size() const { return size_; }
  /// Fills `buffer` with the file's bytes from `offset` on. Throws read_file_into's input_error:
  /// "file changed while being read" when the file ends first, "read error".
  void read_at(std::size_t offset, std::span<std::byte> buffer) const;
  /// Throws "file changed while being read" when the file now holds bytes past size().
  void require_no_more() const;

 private:
  void check_opened(std::size_t max_bytes);
  // Up to bytes.size() bytes from `offset` (0 at the end), a read interrupted by a signal retried.
  [[nodiscard]] std::size_t read_some_at(std::size_t offset, std::span<std::byte> bytes) const;

  std::string prefix_;
  std::size_t size_ = 0;
  int descriptor_ = -1;
};

/// The pieces read_file_into reads a file in when told to report its progress.
inline constexpr std::size_t read_piece_bytes = std::size_t{1} << 20;

/// Writes serialize_npy(array) to `path` atomically.
void write_npy(const std::filesystem::path& path, const npy_array& array);

/// Writes serialize_npy_payload(element, shape, payload) to `path` atomically.
void write_npy_payload(const std::filesystem::path& path, npy_element element,
                       std::span<const std::int64_t> shape, std::span<const std::byte> payload);

}  // namespace poolproof::golden
