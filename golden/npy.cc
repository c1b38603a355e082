#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/npy.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

namespace poolproof::golden {
namespace {

constexpr std::string_view magic = "\x93NUMPY";
// NPY_MAXDIMS of NumPy 1.x: no NumPy can write or read more axes.
constexpr std::size_t max_axes = 32;
// numpy.lib.format.GROWTH_AXIS_MAX_DIGITS and ARRAY_ALIGN.
constexpr std::size_t growth_axis_max_digits = 21;
constexpr std::size_t array_align = 64;

constexpr std::array<npy_element, 5> all_elements = {
    npy_element::f2, npy_element::u2, npy_element::f4, npy_element::f8, npy_element::i8};

[[noreturn]] void fail(std::string_view name, const std::string& reason) {
  throw common::input_error("cannot read npy '" + std::string(name) + "': " + reason);
}

std::size_t element_bytes(npy_element element) {
  switch (element) {
    case npy_element::f2:
    case npy_element::u2:
      return 2;
    case npy_element::f4:
      return 4;
    case npy_element::f8:
    case npy_element::i8:
      return 8;
  }
  POOLPROOF_CHECK(false);
}

std::uint64_t read_le(std::span<const std::byte> bytes) {
  std::uint64_t word = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) {
    word = (word << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  }
  return word;
}

// Little-endian words of `width` bytes into `words` (a copy per element where the machine is
// little-endian: millions of elements in a user-shape case).
template <typename Word>
void read_words(std::span<const std::byte> payload, std::span<std::uint64_t> words) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    Word word;
    std::memcpy(&word, payload.data() + i * sizeof(Word), sizeof(Word));
    words[i] = word;
  }
}

void read_payload(std::span<const std::byte> payload, std::size_t width,
                  std::span<std::uint64_t> words) {
  if constexpr (std::endian::native == std::endian::little) {
    switch (width) {
      case 2:
        return read_words<std::uint16_t>(payload, words);
      case 4:
        return read_words<std::uint32_t>(payload, words);
      case 8:
        return read_words<std::uint64_t>(payload, words);
      default:
        break;
    }
  }
  for (std::size_t i = 0; i < words.size(); ++i)
    words[i] = read_le(payload.subspan(i * width, width));
}

/// The three values of a header dict, filled in as the keys appear.
struct npy_header {
  std::optional<npy_element> element;
  std::optional<bool> fortran_order;
  std::optional<std::vector<std::int64_t>> shape;
};

/// A strict parser for the Python dict literal of a header: the subset numpy.save writes, with
/// the freedoms of Python's syntax that other writers use (quotes, spacing, trailing commas).
class header_parser {
 public:
  header_parser(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  npy_header parse() {
    npy_header header;
    expect('{', "header is not a dict");
    while (true) {
      skip_spaces();
      if (accept('}')) break;
      const std::string key = string_literal("dict key");
      expect(':', "missing ':' after key " + quote_for_message(key));
      value(key, header);
      skip_spaces();
      if (accept('}')) break;
      expect(',', "missing ',' or '}' after the value of " + quote_for_message(key));
    }
    if (!header.element) fail(name_, "header has no 'descr'");
    if (!header.fortran_order) fail(name_, "header has no 'fortran_order'");
    if (!header.shape) fail(name_, "header has no 'shape'");
    // numpy pads with spaces and ends the header with one newline.
    const std::string_view rest = text_.substr(position_);
    if (rest.empty() || rest.find_first_not_of(' ') != rest.size() - 1 || rest.back() != '\n') {
      fail(name_, "header does not end in spaces and a newline");
    }
    return header;
  }

 private:
  void value(const std::string& key, npy_header& header) {
    skip_spaces();
    if (key == "descr") {
      set_once(header.element, descr(), key);
    } else if (key == "fortran_order") {
      set_once(header.fortran_order, boolean(), key);
      if (*header.fortran_order) fail(name_, "fortran_order True is not supported");
    } else if (key == "shape") {
      set_once(header.shape, shape(), key);
    } else {
      fail(name_, "unknown header key " + quote_for_message(key));
    }
  }

  template <typename T>
  void set_once(std::optional<T>& slot, T value, const std::string& key) {
    if (slot) fail(name_, "header key " + quote_for_message(key) + " appears twice");
    slot = std::move(value);
  }

  npy_element descr() {
    if (peek() == '[') fail(name_, "structured dtype is not supported");
    if (peek() != '\'' && peek() != '"') fail(name_, "'descr' is not a string");
    const std::string text = string_literal("descr");
    for (npy_element element : all_elements) {
      if (text == npy_descr(element)) return element;
    }
    if (!text.empty() && text[0] == '>') fail(name_, "big-endian dtype " + quote_for_message(text));
    if (text.find('O') != std::string::npos) fail(name_, "object dtype " + quote_for_message(text));
    fail(name_, "unsupported dtype " + quote_for_message(text));
  }

  bool boolean() {
    if (text_.substr(position_).starts_with("True")) {
      position_ += 4;
      return true;
    }
    if (text_.substr(position_).starts_with("False")) {
      position_ += 5;
      return false;
    }
    fail(name_, "'fortran_order' is not True or False");
  }

  std::vector<std::int64_t> shape() {
    expect('(', "'shape' is not a tuple");
    std::vector<std::int64_t> sizes;
    while (true) {
      skip_spaces();
      if (accept(')')) break;
      if (sizes.size() == max_axes) fail(name_, "shape has more than 32 axes");
      sizes.push_back(size());
      skip_spaces();
      if (accept(')')) {
        // Python reads "(3)" as the integer 3: a one-axis shape needs its comma.
        if (sizes.size() == 1) fail(name_, "'shape' is not a tuple");
        break;
      }
      expect(',', "bad 'shape' tuple");
    }
    return sizes;
  }

  std::int64_t size() {
    if (peek() == '-') fail(name_, "negative size in 'shape'");
    const std::size_t first = position_;
    std::int64_t value = 0;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
      const int digit = text_[position_++] - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        fail(name_, "shape overflow: a size is past 2^63");
      }
      value = value * 10 + digit;
    }
    if (position_ == first) fail(name_, "bad 'shape' tuple");
    if (text_[first] == '0' && position_ - first > 1) fail(name_, "bad size in 'shape'");
    return value;
  }

  std::string string_literal(const char* what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(name_, std::string("bad ") + what);
    const std::size_t end = text_.find(quote, position_ + 1);
    if (end == std::string_view::npos) fail(name_, std::string("unterminated ") + what);
    std::string result(text_.substr(position_ + 1, end - position_ - 1));
    if (result.find('\\') != std::string::npos) fail(name_, std::string("escape in ") + what);
    position_ = end + 1;
    return result;
  }

  void expect(char c, const std::string& reason) {
    skip_spaces();
    if (!accept(c)) fail(name_, reason);
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++position_;
    return true;
  }
  char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }
  void skip_spaces() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t')) {
      ++position_;
    }
  }

  std::string_view text_;
  std::string_view name_;
  std::size_t position_ = 0;
};

/// Splits the prelude (magic, version, header length) off and returns the header text.
std::string_view header_text(std::span<const std::byte> bytes, std::string_view name,
                             const npy_limits& limits) {
  if (bytes.empty()) fail(name, "empty file");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.size() < magic.size() && magic.starts_with(text)) fail(name, "truncated header");
  if (!text.starts_with(magic)) fail(name, "bad magic (not an .npy file)");
  if (text.size() < 8) fail(name, "truncated header");
  const int major = static_cast<unsigned char>(text[6]);
  const int minor = static_cast<unsigned char>(text[7]);
  if (major < 1 || major > 3 || minor != 0) {
    fail(name, "unsupported format version " + std::to_string(major) + "." + std::to_string(minor));
  }
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  if (text.size() < 8 + length_bytes) fail(name, "truncated header");
  const std::uint64_t header_bytes = read_le(bytes.subspan(8, length_bytes));
  if (header_bytes > limits.max_header_bytes) {
    fail(name, "header of " + std::to_string(header_bytes) + " bytes is past the limit of " +
                   std::to_string(limits.max_header_bytes));
  }
  if (header_bytes > text.size() - 8 - length_bytes) fail(name, "truncated header");
  return text.substr(8 + length_bytes, header_bytes);
}

}  // namespace

std::int64_t npy_element_count(std::span<const std::int64_t> shape, std::string_view name,
                               const npy_limits& limits) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::int64_t count = 1;
  for (std::int64_t size : shape) {
    if (size > limits.max_elements / count) {
      fail(name, "shape overflow: more than " + std::to_string(limits.max_elements) + " elements");
    }
    count *= size;
  }
  return count;
}

namespace {

std::string shape_repr(const std::vector<std::int64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string_view npy_descr(npy_element element) {
  switch (element) {
    case npy_element::f2:
      return "<f2";
    case npy_element::u2:
      return "<u2";
    case npy_element::f4:
      return "<f4";
    case npy_element::f8:
      return "<f8";
    case npy_element::i8:
      return "<i8";
  }
  POOLPROOF_CHECK(false);
}

npy_element npy_element_for(reference::float_format format) {
  // The format table names the descr (bit patterns for dtypes NumPy lacks).
  const std::string_view descr = reference::spec_of(format).npy_descr;
  const auto* element = std::find_if(all_elements.begin(), all_elements.end(),
                                     [&](npy_element e) { return npy_descr(e) == descr; });
  POOLPROOF_CHECK(element != all_elements.end());
  return *element;
}

npy_prefix parse_npy_prefix(std::span<const std::byte> prefix, std::size_t file_size,
                            std::string_view name, const npy_limits& limits) {
  POOLPROOF_CHECK(prefix.size() <= file_size);
  const std::string_view text = header_text(prefix, name, limits);
  const npy_header header = header_parser(text, name).parse();
  npy_prefix result{{*header.element, *header.shape, {}}, 0};
  const auto count = static_cast<std::size_t>(npy_element_count(result.layout.shape, name, limits));
  const std::size_t width = element_bytes(result.layout.element);
  result.payload_offset =
      static_cast<std::size_t>(text.data() - reinterpret_cast<const char*>(prefix.data())) +
      text.size();
  const std::size_t payload = file_size - result.payload_offset;
  if (count > payload / width) {
    fail(name, "truncated payload: " + std::to_string(payload) + " bytes for " +
                   std::to_string(count) + " elements of " + std::to_string(width) + " bytes");
  }
  if (payload > count * width) {
    fail(name, std::to_string(payload - count * width) + " extra bytes after the payload");
  }
  return result;
}

npy_payload parse_npy_header(std::span<const std::byte> bytes, std::string_view name,
                             const npy_limits& limits) {
  npy_prefix parsed = parse_npy_prefix(bytes, bytes.size(), name, limits);
  return {std::move(parsed.layout), bytes.subspan(parsed.payload_offset)};
}

npy_array parse_npy(std::span<const std::byte> bytes, std::string_view name,
                    const npy_limits& limits) {
  npy_payload parsed = parse_npy_header(bytes, name, limits);
  // The payload is exactly the shape's elements (parse_npy_header checked).
  const std::size_t width = element_bytes(parsed.layout.element);
  parsed.layout.words.resize(parsed.payload.size() / width);
  read_payload(parsed.payload, width, parsed.layout.words);
  return std::move(parsed.layout);
}

void require_npy_layout(const npy_array& array, npy_element element,
                        std::span<const std::int64_t> shape, std::string_view name) {
  if (array.element != element) {
    fail(name, "dtype '" + std::string(npy_descr(array.element)) + "', expected '" +
                   std::string(npy_descr(element)) + "'");
  }
  const std::vector<std::int64_t> wanted(shape.begin(), shape.end());
  if (array.shape != wanted) {
    fail(name, "shape " + shape_repr(array.shape) + ", expected " + shape_repr(wanted));
  }
}

std::string quote_for_message(std::string_view text) { return "'" + common::printable(text) + "'"; }

namespace {

// The first max_bytes of a regular file (fewer if it is shorter).
std::vector<std::byte> read_file_prefix(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string prefix = "cannot read npy '" + path.string() + "': ";
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) throw common::input_error(prefix + error.message());
  if (!std::filesystem::is_regular_file(status))
    throw common::input_error(prefix + "not a regular file");
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw common::input_error(prefix + "cannot open");
  std::vector<std::byte> bytes(max_bytes);
  stream.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (stream.bad()) throw common::input_error(prefix + "read error");
  bytes.resize(static_cast<std::size_t>(stream.gcount()));
  return bytes;
}

// The header alone: the prelude and at most max_header_bytes; `offset` is where the payload
// starts.
npy_array read_layout(const std::filesystem::path& path, const npy_limits& limits,
                      std::size_t& offset) {
  const std::vector<std::byte> prefix = read_file_prefix(path, 12 + limits.max_header_bytes);
  const std::string_view text = header_text(prefix, path.string(), limits);
  const npy_header header = header_parser(text, path.string()).parse();
  (void)npy_element_count(*header.shape, path.string(), limits);  // refuses a shape past the limits
  offset = static_cast<std::size_t>(text.data() - reinterpret_cast<const char*>(prefix.data())) +
           text.size();
  return {*header.element, *header.shape, {}};
}

}  // namespace

npy_array read_npy(const std::filesystem::path& path, const npy_limits& limits) {
  POOLPROOF_CHECK(limits.max_elements >= 0);
  // The largest file the limits allow: a 12-byte prelude, the header (its length field is 32
  // bits at most) and 8-byte elements.
  const std::size_t header = std::min<std::size_t>(limits.max_header_bytes, 0xffffffff);
  const std::size_t room = std::numeric_limits<std::size_t>::max() - 12 - header;
  const auto elements = static_cast<std::size_t>(limits.max_elements);
  const std::size_t max_bytes =
      elements > room / 8 ? std::numeric_limits<std::size_t>::max() : 12 + header + elements * 8;
  const std::vector<std::byte> bytes = read_file_bytes(path, max_bytes, "npy");
  return parse_npy(bytes, path.string(), limits);
}

std::size_t npy_max_file_bytes(npy_element element, std::int64_t count, const npy_limits& limits) {
  POOLPROOF_CHECK(count >= 0 && count <= limits.max_elements);
  return 12 + limits.max_header_bytes + static_cast<std::size_t>(count) * element_bytes(element);
}

npy_array read_npy_layout(const std::filesystem::path& path, const npy_limits& limits) {
  std::size_t offset = 0;
  return read_layout(path, limits, offset);
}

npy_array read_npy_as(const std::filesystem::path& path, npy_element element,
                      std::span<const std::int64_t> shape, const npy_limits& limits) {
  const std::string name = path.string();
  std::int64_t count = 1;
  for (std::int64_t size : shape) {
    POOLPROOF_CHECK(size >= 0);
    if (size != 0 && count > limits.max_elements / size) {
      fail(name,
           "the expected shape has more than " + std::to_string(limits.max_elements) + " elements");
    }
    count *= size;
  }
  std::size_t offset = 0;
  require_npy_layout(read_layout(path, limits, offset), element, shape, name);
  const std::size_t expected = offset + static_cast<std::size_t>(count) * element_bytes(element);
  const std::vector<std::byte> bytes = read_file_bytes(path, expected, "npy");
  if (bytes.size() != expected) {
    fail(name, "truncated payload: " + std::to_string(bytes.size() - offset) + " bytes for " +
                   std::to_string(count) + " elements of " +
                   std::to_string(element_bytes(element)) + " bytes");
  }
  return parse_npy(bytes, name, limits);
}

namespace {

// serialize_npy's prelude and header for an array of `element` and `shape` (count: its product),
// with room reserved for the payload.
std::vector<std::byte> npy_header_bytes(npy_element element, std::span<const std::int64_t> shape,
                                        std::size_t& count) {
  POOLPROOF_CHECK(shape.size() <= max_axes);
  count = 1;
  for (std::int64_t size : shape) {
    POOLPROOF_CHECK(size >= 0);
    count *= static_cast<std::size_t>(size);
  }
  const std::vector<std::int64_t> axes(shape.begin(), shape.end());
  std::string header = "{'descr': '" + std::string(npy_descr(element)) +
                       "', 'fortran_order': False, 'shape': " + shape_repr(axes) + ", }";
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(shape[0]).size();
    header.append(growth_axis_max_digits - std::min(digits, growth_axis_max_digits), ' ');
  }
  const std::size_t unpadded = magic.size() + 4 + header.size() + 1;
  header.append(array_align - unpadded % array_align, ' ');
  header += '\n';
  POOLPROOF_CHECK(header.size() <= 0xffff);
  std::string prelude(magic);
  prelude += {'\x01', '\x00', static_cast<char>(header.size() & 0xff),
              static_cast<char>(header.size() >> 8)};
  std::vector<std::byte> bytes;
  bytes.reserve(prelude.size() + header.size() + count * element_bytes(element));
  for (char c : prelude + header) bytes.push_back(static_cast<std::byte>(c));
  return bytes;
}

}  // namespace

std::vector<std::byte> serialize_npy(const npy_array& array) {
  std::size_t count = 0;
  std::vector<std::byte> bytes = npy_header_bytes(array.element, array.shape, count);
  POOLPROOF_CHECK(array.words.size() == count);
  const std::size_t width = element_bytes(array.element);
  for (std::uint64_t word : array.words) {
    POOLPROOF_CHECK(width == 8 || word >> (8 * width) == 0);
    for (std::size_t i = 0; i < width; ++i)
      bytes.push_back(static_cast<std::byte>(word >> (8 * i)));
  }
  return bytes;
}

std::vector<std::byte> serialize_npy_payload(npy_element element,
                                             std::span<const std::int64_t> shape,
                                             std::span<const std::byte> payload) {
  std::size_t count = 0;
  std::vector<std::byte> bytes = npy_header_bytes(element, shape, count);
  POOLPROOF_CHECK(payload.size() == count * element_bytes(element));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

void write_npy(const std::filesystem::path& path, const npy_array& array) {
  const std::vector<std::byte> bytes = serialize_npy(array);
  common::write_file_atomically(
      path.string(), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void write_npy_payload(const std::filesystem::path& path, npy_element element,
                       std::span<const std::int64_t> shape, std::span<const std::byte> payload) {
  const std::vector<std::byte> bytes = serialize_npy_payload(element, shape, payload);
  common::write_file_atomically(
      path.string(), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace poolproof::golden
