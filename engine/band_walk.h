// The max-forward separable kernels' walk over bands (not a public interface): every band of rows
// of a range of planes in order, each with the rows of the band after it, for the kernels to
// prefetch while they read this one.
#pragma once

#include <poolproof/reference/adaptive_window.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/planes.h"

namespace poolproof::engine::detail {

/// The flat offsets of the rows of the band of windows w0 and w1 (axes 0 and 1), in scan order,
/// into `rows` (after its elements when `append`).
void band_rows(const geometry& g, const reference::window& w0, const reference::window& w1,
               std::vector<std::int32_t>& rows, bool append = false);

/// The band after the one being read: its rows' flat offsets, `plane_shift` past the current
/// plane's (0 within the plane, the plane's size when it is the next plane's first band).
struct band_ahead {
  std::int64_t plane_shift = 0;
  std::span<const std::int32_t> rows;  ///< never empty

  /// The flat offset, from the current plane, of the band ahead's r-th row (its last past them).
  [[nodiscard]] std::int64_t row(std::size_t r) const {
    return plane_shift + rows[std::min(r, rows.size() - 1)];
  }
};

/// A band walk's rows, kept by its caller across walks.
struct band_walk_scratch {
  std::vector<std::int32_t> rows;        ///< every band's of a plane, or the current band's
  std::vector<std::uint32_t> starts;     ///< where each band's rows start in `rows`, and their end
  std::vector<std::int32_t> rows_ahead;  ///< the next band's, when `rows` holds only the current
};

/// Walks the bands of planes [first, end) (first <= end) in the order their outputs are stored:
/// plane by plane, w0 then w1. Inline where a kernel calls it once a band (a 1-D plane is one
/// band of one row).
class band_walk {
 public:
  band_walk(const geometry& g, std::int64_t first, std::int64_t end, band_walk_scratch& scratch);

  [[nodiscard]] bool done() const { return plane_ == end_; }
  void advance() {
    if (++band_ == bands_) {
      band_ = 0;
      ++plane_;
    }
    if (done()) return;
    if (whole_plane_) return settle();
    list_next();
  }

  [[nodiscard]] std::int64_t plane() const { return plane_; }
  [[nodiscard]] const reference::window& w0() const { return g_.windows[0][band_ / per_w0_]; }
  [[nodiscard]] const reference::window& w1() const { return g_.windows[1][band_ % per_w0_]; }
  [[nodiscard]] std::span<const std::int32_t> rows() const { return rows_; }
  [[nodiscard]] const band_ahead& ahead() const { return ahead_; }

  /// Drops the scratch's storage if a walk made it large (more than a plane listed at once).
  static void trim(band_walk_scratch& scratch);

 private:
  [[nodiscard]] std::size_t after() const { return band_ + 1 == bands_ ? 0 : band_ + 1; }
  [[nodiscard]] std::int64_t ahead_shift() const {
    return after() == 0 && plane_ + 1 < end_ ? g_.in_plane : 0;
  }
  [[nodiscard]] std::span<const std::int32_t> listed(std::size_t band) const {
    const std::size_t begin = scratch_.starts[band];
    return std::span<const std::int32_t>(scratch_.rows)
        .subspan(begin, scratch_.starts[band + 1] - begin);
  }
  // The current band's and the one ahead's rows, from the plane's lists.
  void settle() {
    rows_ = listed(band_);
    ahead_ = band_ahead{ahead_shift(), listed(after())};
  }
  // The band ahead becomes the current one; the one after it is listed.
  void list_next();

  const geometry& g_;
  band_walk_scratch& scratch_;
  std::int64_t plane_, end_;
  std::size_t band_ = 0, bands_, per_w0_;
  bool whole_plane_;  // every band's rows are listed; else the current band's and the next one's
  std::span<const std::int32_t> rows_;
  band_ahead ahead_;
};

}  // namespace poolproof::engine::detail
