// Which items of a whole-suite loop a test run takes: every one, or every k-th when
// POOLPROOF_TEST_SAMPLE=k. The sanitizer pass sets k: its instrumentation makes these loops
// several times slower, and the cases it leaves out run the code paths of those it keeps.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace poolproof::golden::test {

/// 1, or POOLPROOF_TEST_SAMPLE (a positive decimal integer; anything else throws, failing the
/// test rather than silently running another sample).
inline std::size_t sample_stride() {
  static const std::size_t stride = [] {
    const char* text = std::getenv("POOLPROOF_TEST_SAMPLE");
    if (text == nullptr) return std::size_t{1};
    const std::string value(text);
    if (value.empty() || value.size() > 4 || value.find_first_not_of("0123456789") != value.npos ||
        std::stoul(value) == 0)
      throw std::invalid_argument("POOLPROOF_TEST_SAMPLE must be a positive integer, not '" +
                                  value + "'");
    return static_cast<std::size_t>(std::stoul(value));
  }();
  return stride;
}

/// Whether the `index`-th item of a loop is in this run's sample (the first always is).
inline bool in_sample(std::size_t index) { return index % sample_stride() == 0; }

}  // namespace poolproof::golden::test
