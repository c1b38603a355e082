#include <poolproof/common/error.h>

#include <cstdio>
#include <cstdlib>

namespace poolproof::common {

std::string printable(std::string_view text, std::size_t limit) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      out += {'\\', 'x', hex[byte >> 4], hex[byte & 0xf]};
    }
  }
  return text.size() > limit ? out + "..." : out;
}

void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "poolproof: internal check failed: %s (%s:%d)\n", condition, file, line);
  std::abort();
}

}  // namespace poolproof::common
