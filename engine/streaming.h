// Non-temporal output for planes larger than the cache (not a public interface): the cache size
// that decides it, and the copy that streams a plane built in cache out to memory.
#pragma once

#include <atomic>
#include <cstdint>

namespace poolproof::engine::detail {

/// Bytes of output a worker writes past which it builds each plane in a cached scratch plane and
/// streams it out rather than zeroing its range in place: the last-level cache of CPU 0 (Linux's
/// sysfs, else sysconf), or 0 (never) when neither tells. Tests lower it to reach the streamed
/// route at small shapes, and restore it.
[[nodiscard]] std::atomic<std::int64_t>& streamed_share_bytes();

/// Copies `bytes` from `from` to `to`, with non-temporal stores for the 16-byte-aligned part of
/// `to` (plain copies for the ends). The caller fences (_mm_sfence) before others read `to`.
void stream_out(const void* from, void* to, std::int64_t bytes);

}  // namespace poolproof::engine::detail
