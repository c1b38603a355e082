#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/tensor.h>

#include <cstdint>
#include <vector>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

using sizes = std::vector<std::int64_t>;

TEST(Tensor, SplitBatchedShape) {
  const pooling_layout layout = split_pooling_shape(sizes{2, 3, 4, 5}, 2);
  EXPECT_EQ(layout.planes, 6);
  EXPECT_EQ(layout.spatial, (sizes{4, 5}));
  EXPECT_EQ(layout.plane_size(), 20);
}

TEST(Tensor, SplitUnbatchedShape) {
  const pooling_layout layout = split_pooling_shape(sizes{3, 4, 5}, 2);
  EXPECT_EQ(layout.planes, 3);
  EXPECT_EQ(layout.spatial, (sizes{4, 5}));
  EXPECT_EQ(layout.plane_size(), 20);
}

TEST(Tensor, SplitOneAndThreeSpatialAxes) {
  const pooling_layout one = split_pooling_shape(sizes{2, 7}, 1);
  EXPECT_EQ(one.planes, 2);
  EXPECT_EQ(one.spatial, (sizes{7}));
  const pooling_layout three = split_pooling_shape(sizes{2, 3, 4, 5, 6}, 3);
  EXPECT_EQ(three.planes, 6);
  EXPECT_EQ(three.spatial, (sizes{4, 5, 6}));
  EXPECT_EQ(three.plane_size(), 120);
}

TEST(Tensor, SplitRejectsBadRanks) {
  EXPECT_THROW((void)split_pooling_shape(sizes{4, 5}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{1, 2, 3, 4, 5}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{5}, 1), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{}, 1), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{2, 3}, 0), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{1, 2, 3, 4, 5, 6}, 4), common::input_error);
}

TEST(Tensor, SplitRejectsZeroAndNegativeSizes) {
  EXPECT_THROW((void)split_pooling_shape(sizes{0, 3, 4, 5}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{2, 0, 4, 5}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{2, 3, 0, 5}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{3, 4, 0}, 2), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{3, -4, 5}, 2), common::input_error);
}

TEST(Tensor, SplitRejectsTooManyElements) {
  EXPECT_THROW((void)split_pooling_shape(sizes{1 << 21, 1 << 20}, 1), common::input_error);
  EXPECT_THROW((void)split_pooling_shape(sizes{1, std::int64_t{1} << 41}, 1), common::input_error);
}

TEST(Tensor, ElementCount) {
  EXPECT_EQ(element_count(sizes{}), 1);
  EXPECT_EQ(element_count(sizes{2, 3, 4}), 24);
  EXPECT_EQ(element_count(sizes{std::int64_t{1} << 40}), std::int64_t{1} << 40);
  EXPECT_THROW((void)element_count(sizes{(std::int64_t{1} << 40) + 1}), common::input_error);
  EXPECT_THROW((void)element_count(sizes{1 << 20, 1 << 20, 2}), common::input_error);
  EXPECT_THROW((void)element_count(sizes{2, 0}), common::input_error);
}

TEST(Tensor, BoxFlatIndicesRowMajor) {
  // Rows [1,3), columns [2,4) of a 4x5 plane: (1,2)=7, (1,3)=8, (2,2)=12, (2,3)=13.
  const window_box box{{1, 3}, {2, 4}};
  EXPECT_EQ(box_flat_indices(box, sizes{4, 5}), (sizes{7, 8, 12, 13}));
}

TEST(Tensor, BoxFlatIndicesOneAndThreeAxes) {
  EXPECT_EQ(box_flat_indices(window_box{{3, 6}}, sizes{9}), (sizes{3, 4, 5}));
  // [0,2) x [1,2) x [2,4) in 2x3x4: d*12 + h*4 + w.
  EXPECT_EQ(box_flat_indices(window_box{{0, 2}, {1, 2}, {2, 4}}, sizes{2, 3, 4}),
            (sizes{6, 7, 18, 19}));
}

TEST(Tensor, ForEachMultiIndexRowMajor) {
  std::vector<sizes> seen;
  std::vector<std::int64_t> flats;
  for_each_multi_index(sizes{2, 3}, [&](std::span<const std::int64_t> index, std::int64_t flat) {
    seen.emplace_back(index.begin(), index.end());
    flats.push_back(flat);
  });
  EXPECT_EQ(seen, (std::vector<sizes>{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}));
  EXPECT_EQ(flats, (sizes{0, 1, 2, 3, 4, 5}));
}

TEST(Tensor, ForEachMultiIndexThreeAxes) {
  std::vector<sizes> seen;
  for_each_multi_index(sizes{2, 1, 2}, [&](std::span<const std::int64_t> index, std::int64_t flat) {
    EXPECT_EQ(flat, static_cast<std::int64_t>(seen.size()));
    seen.emplace_back(index.begin(), index.end());
  });
  EXPECT_EQ(seen, (std::vector<sizes>{{0, 0, 0}, {0, 0, 1}, {1, 0, 0}, {1, 0, 1}}));
}

TEST(Tensor, ForEachMultiIndexOfScalarVisitsOnce) {
  int visits = 0;
  for_each_multi_index(sizes{}, [&](std::span<const std::int64_t> index, std::int64_t flat) {
    EXPECT_TRUE(index.empty());
    EXPECT_EQ(flat, 0);
    ++visits;
  });
  EXPECT_EQ(visits, 1);
}

}  // namespace
}  // namespace poolproof::reference
