// Test support: a fresh anonymous mapping whose pages can be asked whether they are present
// (the prefault tests in tests/common and the backward passes' fresh-memory test).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <vector>

namespace poolproof::common::testing {

inline const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// A fresh private anonymous mapping (no page present until touched), unmapped on destruction.
class fresh_mapping {
 public:
  explicit fresh_mapping(std::size_t bytes, int protection = PROT_READ | PROT_WRITE)
      : bytes_(bytes),
        data_(static_cast<std::byte*>(
            mmap(nullptr, bytes, protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap failed");
    // 4 KiB pages even where transparent huge pages are always on (a huge page would make the
    // pages around the span present too).
    madvise(data_, bytes_, MADV_NOHUGEPAGE);
  }
  fresh_mapping(const fresh_mapping&) = delete;
  fresh_mapping& operator=(const fresh_mapping&) = delete;
  ~fresh_mapping() { munmap(data_, bytes_); }
  [[nodiscard]] std::span<std::byte> bytes() const { return {data_, bytes_}; }

  // Which of the mapping's pages are present.
  [[nodiscard]] std::vector<bool> present() const {
    std::vector<unsigned char> resident(bytes_ / page);
    if (mincore(data_, bytes_, resident.data()) != 0) throw std::runtime_error("mincore failed");
    std::vector<bool> flags(resident.size());
    for (std::size_t i = 0; i < resident.size(); ++i) flags[i] = (resident[i] & 1U) != 0;
    return flags;
  }

 private:
  std::size_t bytes_;
  std::byte* data_;
};

}  // namespace poolproof::common::testing
