// Private to exporter/: the largest static graph an emitter writes.
#pragma once

#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/solver/decomposition.h>

#include <cstdint>

namespace poolproof::exporter::detail {

/// A static graph holds every gather index: past 2^26 per gather a model is of no use.
inline constexpr std::int64_t max_gather = std::int64_t{1} << 26;

/// Throws input_error, before anything is built, when a gather of `d` exceeds max_gather.
inline void require_emittable(const solver::decomposition& d) {
  for (const solver::axis_decomposition& a : d.axes) {
    std::int64_t largest = a.method == solver::axis_method::gather || a.reorders ? a.out_size : 0;
    for (const solver::axis_segment& s : a.segments) largest = std::max(largest, s.gathered_size);
    if (largest > max_gather) {
      throw common::input_error(
          fmt::format("a gather of {} indices on axis {} ({} -> {}) is too large to emit", largest,
                      &a - d.axes.data(), a.in_size, a.out_size));
    }
  }
}

}  // namespace poolproof::exporter::detail
