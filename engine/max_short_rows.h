// The max-forward short-rows kernel's entries (not a public interface; max_short_rows.cc).
#pragma once

#include <cstdint>

#include "engine/planes.h"

namespace poolproof::engine::detail {

/// Planes the short-rows kernel takes: one row of inputs and one of windows (1-D pooling, or
/// single rows in 2-D and 3-D), at most 64 inputs, windows of at most 16, at most 1024 outputs
/// (so its step table stays small); max_short_rows.cc.
bool short_rows(const geometry& g);

/// The short-rows kernel (AVX-512 only) on binary32 planes [first, end) that short_rows(g)
/// accepts.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_short_rows(
    const geometry& g, const float* input, float* output, std::int64_t* indices, std::int64_t first,
    std::int64_t end);

/// The same on binary16 or bfloat16 planes (`format`): each row widened exactly in registers,
/// the winners' own patterns written.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_short_rows(
    const geometry& g, reference::float_format format, const std::uint16_t* input,
    std::uint16_t* output, std::int64_t* indices, std::int64_t first, std::int64_t end);

}  // namespace poolproof::engine::detail
