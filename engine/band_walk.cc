// The band walk of engine/band_walk.h.
#include "engine/band_walk.h"

#include <poolproof/common/error.h>

#include <utility>

namespace poolproof::engine::detail {

void band_rows(const geometry& g, const reference::window& w0, const reference::window& w1,
               std::vector<std::int32_t>& rows, bool append) {
  if (!append) rows.clear();
  for (std::int64_t i0 = w0.begin; i0 < w0.end; ++i0) {
    for (std::int64_t i1 = w1.begin; i1 < w1.end; ++i1)
      rows.push_back(static_cast<std::int32_t>((i0 * g.in[1] + i1) * g.in[2]));
  }
}

namespace {
// A plane's bands' rows are listed once per walk, not once per plane, up to this many (256 KiB);
// beyond, two bands' at a time, so the scratch stays bounded.
constexpr std::size_t whole_plane_rows = std::size_t{1} << 16;
// And their starts are kept for up to this many bands (16 KiB).
constexpr std::size_t whole_plane_bands = std::size_t{1} << 12;

std::size_t plane_rows(const geometry& g) {
  std::size_t rows[2] = {0, 0};
  for (std::size_t axis = 0; axis < 2; ++axis) {
    for (const reference::window& w : g.windows[axis])
      rows[axis] += static_cast<std::size_t>(w.length());
  }
  return rows[0] * rows[1];
}
}  // namespace

band_walk::band_walk(const geometry& g, std::int64_t first, std::int64_t end,
                     band_walk_scratch& scratch)
    : g_(g),
      scratch_(scratch),
      plane_(first),
      end_(end),
      bands_(g.windows[0].size() * g.windows[1].size()),
      per_w0_(g.windows[1].size()),
      whole_plane_(plane_rows(g) <= whole_plane_rows) {
  POOLPROOF_CHECK(first <= end);
  if (!whole_plane_) {
    // As if the band before the first had just been read, with the first one ahead.
    band_rows(g, w0(), w1(), scratch_.rows_ahead);
    list_next();
    return;
  }
  scratch_.rows.clear();
  scratch_.starts.assign(1, 0);
  scratch_.starts.reserve(bands_ + 1);
  for (std::size_t band = 0; band < bands_; ++band) {
    band_rows(g, g.windows[0][band / per_w0_], g.windows[1][band % per_w0_], scratch_.rows,
              /*append=*/true);
    scratch_.starts.push_back(static_cast<std::uint32_t>(scratch_.rows.size()));
  }
  settle();
}

void band_walk::list_next() {
  std::swap(scratch_.rows, scratch_.rows_ahead);
  band_rows(g_, g_.windows[0][after() / per_w0_], g_.windows[1][after() % per_w0_],
            scratch_.rows_ahead, /*append=*/false);
  rows_ = scratch_.rows;
  ahead_ = band_ahead{ahead_shift(), scratch_.rows_ahead};
}

void band_walk::trim(band_walk_scratch& scratch) {
  for (std::vector<std::int32_t>* rows : {&scratch.rows, &scratch.rows_ahead}) {
    if (rows->capacity() > whole_plane_rows) std::vector<std::int32_t>().swap(*rows);
  }
  if (scratch.starts.capacity() > whole_plane_bands)
    std::vector<std::uint32_t>().swap(scratch.starts);
}

}  // namespace poolproof::engine::detail
