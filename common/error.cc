#include <poolproof/common/error.h>

#include <cstdio>
#include <cstdlib>

namespace poolproof::common {

void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "poolproof: internal check failed: %s (%s:%d)\n", condition, file, line);
  std::abort();
}

}  // namespace poolproof::common
