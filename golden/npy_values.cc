// npy_values.h.
#include "golden/npy_values.h"

#include <poolproof/common/error.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace poolproof::golden::detail {

template <typename T>
std::span<std::byte> input_values<T>::storage(std::size_t size) {
  file_ = common::page_buffer(size + 1);
  size_ = size;
  copy_.clear();
  first_ = 0;
  count_ = 0;
  return file_.bytes();
}

template <typename T>
void input_values<T>::set_payload(std::size_t offset, std::size_t count) {
  static_assert(std::endian::native == std::endian::little);
  POOLPROOF_CHECK(offset <= size_ && count <= (size_ - offset) / sizeof(T));
  count_ = count;
  copy_.clear();
  if (offset % sizeof(T) == 0) {
    first_ = offset / sizeof(T);
    return;
  }
  copy_ = common::prefaulted_vector<T>(count);
  std::memcpy(copy_.data(), file_.bytes().subspan(offset).data(), count * sizeof(T));
}

template <typename T>
std::span<const T> input_values<T>::values() const {
  if (!copy_.empty()) return copy_;
  // The buffer's start is aligned for T, and first_ counts whole T from it.
  return {reinterpret_cast<const T*>(file_.bytes().data()) + first_, count_};
}

template <typename T>
void read_npy_values(const std::filesystem::path& path, const npy_array& layout,
                     input_values<T>& values, const npy_limits& limits) {
  const std::string name = path.string();
  // The layout may come from elsewhere than read_npy_layout: its count is bounded here too.
  const std::int64_t count = npy_element_count(layout.shape, name, limits);
  // The header's room and the shape's payload, so a file claiming more is refused unread.
  const std::span<const std::byte> bytes =
      read_file_into(path, npy_max_file_bytes(layout.element, count, limits), "npy",
                     [&values](std::size_t size) { return values.storage(size); });
  // Parsed again: the file may have been replaced since its layout was read.
  const npy_payload parsed = parse_npy_header(bytes, name, limits);
  require_npy_layout(parsed.layout, layout.element, layout.shape, name);
  POOLPROOF_CHECK(parsed.payload.size() == static_cast<std::size_t>(count) * sizeof(T));
  values.set_payload(static_cast<std::size_t>(parsed.payload.data() - bytes.data()),
                     static_cast<std::size_t>(count));
}

template class input_values<std::uint16_t>;
template class input_values<float>;
template class input_values<double>;
template void read_npy_values(const std::filesystem::path&, const npy_array&,
                              input_values<std::uint16_t>&, const npy_limits&);
template void read_npy_values(const std::filesystem::path&, const npy_array&, input_values<float>&,
                              const npy_limits&);
template void read_npy_values(const std::filesystem::path&, const npy_array&, input_values<double>&,
                              const npy_limits&);

}  // namespace poolproof::golden::detail
