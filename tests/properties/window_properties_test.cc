// RapidCheck runs of the window properties, sizes up to 2^62.
#include <gtest/gtest.h>
#include <poolproof/properties/window_properties.h>
#include <rapidcheck/gtest.h>

namespace poolproof::properties {
namespace {

RC_GTEST_PROP(WindowProperties, BoundsMatchTheFormula, (const size_pair& sizes)) {
  window_bounds_match_the_formula(sizes);
}

RC_GTEST_PROP(WindowProperties, WindowsCoverTheInput, (const size_pair& sizes)) {
  windows_cover_the_input(sizes);
}

RC_GTEST_PROP(WindowProperties, WindowsAreMonotone, (const size_pair& sizes)) {
  windows_are_monotone(sizes);
}

RC_GTEST_PROP(WindowProperties, ConsecutiveWindowsOverlapByAtMostOne, (const size_pair& sizes)) {
  consecutive_windows_overlap_by_at_most_one(sizes);
}

RC_GTEST_PROP(WindowProperties, LengthsLieInTheCeilBand, (const size_pair& sizes)) {
  window_lengths_lie_in_the_ceil_band(sizes);
}

RC_GTEST_PROP(WindowProperties, WindowsAreMirrorSymmetric, (const size_pair& sizes)) {
  windows_are_mirror_symmetric(sizes);
}

RC_GTEST_PROP(WindowProperties, EqualSizesGiveTheIdentity, ()) {
  equal_sizes_give_the_identity(*gen_size());
}

RC_GTEST_PROP(WindowProperties, InputsAreReadByTheDualWindows, (const size_pair& sizes)) {
  inputs_are_read_by_the_dual_windows(sizes);
}

RC_GTEST_PROP(WindowProperties, EachInputLiesInAtMostCeilRatioPlusOneWindows, ()) {
  each_input_lies_in_at_most_ceil_ratio_plus_one_windows(*gen_small_size_pair(200));
}

RC_GTEST_PROP(WindowProperties, WindowListMatchesSingleWindows, ()) {
  window_list_matches_single_windows(*gen_small_size_pair(300));
}

RC_GTEST_PROP(WindowProperties, NdWindowsAreProducts, ()) {
  nd_windows_are_products(*gen_nd_size_pairs());
}

}  // namespace
}  // namespace poolproof::properties
