// Work larger than the cache (not a public interface): the cache size that decides the routes for
// it, and the copy that streams a plane built in cache out to memory with non-temporal stores.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace poolproof::engine::detail {

/// The last-level cache of CPU 0 in bytes (Linux's sysfs, else sysconf), or 0 when neither tells:
/// a worker's share larger than this comes from or goes to memory (past_cache). Past it the max
/// backward builds each plane in a cached scratch plane and streams it out rather than zeroing its
/// range in place, and the binary32 avg forward and the binary32 and binary64 max forward read
/// their bands in memory order; 0 means never. Tests lower it to reach those routes at small
/// shapes, and restore it.
[[nodiscard]] std::atomic<std::int64_t>& streamed_share_bytes();

/// Whether a worker's share of `elements` values of `element_size` bytes each is larger than the
/// last-level cache (streamed_share_bytes; never when that is 0).
[[nodiscard]] inline bool past_cache(std::int64_t elements, std::size_t element_size) {
  const std::int64_t cache = streamed_share_bytes().load(std::memory_order_relaxed);
  return cache > 0 && elements > cache / static_cast<std::int64_t>(element_size);
}

/// Copies `bytes` from `from` to `to`, with non-temporal stores for the 16-byte-aligned part of
/// `to` (plain copies for the ends). The caller fences (_mm_sfence) before others read `to`.
void stream_out(const void* from, void* to, std::int64_t bytes);

}  // namespace poolproof::engine::detail
