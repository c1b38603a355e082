#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/solver/svg.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::solver {
namespace {

// Whether tags nest and close in order under one <svg> root, and every '&' starts an entity:
// a tag checker, not an XML parser.
bool well_formed(const std::string& svg) {
  std::vector<std::string> open;
  bool root_seen = false;
  for (std::size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at)) {
    const std::size_t end = svg.find('>', at);
    if (end == std::string::npos) return false;
    const std::string tag = svg.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/')) continue;
    const std::string name = tag.substr(0, tag.find_first_of(" \n"));
    if (!name.starts_with('/')) {
      if (open.empty() && (root_seen || name != "svg")) return false;
      root_seen = true;
      open.push_back(name);
    } else if (open.empty() || open.back() != name.substr(1)) {
      return false;
    } else {
      open.pop_back();
    }
  }
  for (std::size_t at = svg.find('&'); at != std::string::npos; at = svg.find('&', at + 1)) {
    const std::string_view rest = std::string_view(svg).substr(at);
    if (!rest.starts_with("&amp;") && !rest.starts_with("&lt;") && !rest.starts_with("&gt;") &&
        !rest.starts_with("&quot;") && !rest.starts_with("&apos;")) {
      return false;
    }
  }
  return root_seen && open.empty();
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t found = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++found;
  }
  return found;
}

// Outputs whose fixed bar is drawn with the given class ("differs" or "same").
std::set<std::int64_t> fixed_outputs(const std::string& svg, const std::string& kind) {
  const std::regex bar(R"re(id="fixed-(\d+)" class="fixed )re" + kind + "\"");
  std::set<std::int64_t> outputs;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator();
       ++it) {
    outputs.insert(std::stoll((*it)[1]));
  }
  return outputs;
}

equivalence_report proven(std::vector<std::int64_t> in, std::vector<std::int64_t> out) {
  equivalence_report report{in, out, {}, {}};
  report.avg = prove_equivalence_nd(in, out, reference::pool_kind::avg, {});
  report.max = prove_equivalence_nd(in, out, reference::pool_kind::max, {});
  return report;
}

// A 1-D report whose avg and max verdicts are "not equivalent", built without the solver, so the
// picture falls back to the naive rule.
equivalence_report refuted(std::int64_t n, std::int64_t m, std::string explanation = "refuted") {
  nd_verdict no;
  no.axes = {not_equivalent{std::move(explanation), {}}};
  no.status = verdict_status::not_equivalent;
  return {{n}, {m}, no, no};
}

// Any family's witness, with its own pads: ONNX's 5 -> 3 takes pads (1, 0) and ceil_mode, so one
// padded cell on the left only; --kind max draws the max witness alone.
TEST(SvgWindowPicture, DrawsAnyFamilysWitnessWithItsOwnPads) {
  const std::vector<std::int64_t> in{5}, out{3};
  equivalence_report onnx{in, out, {}, {}, pool_family::onnx};
  onnx.avg = prove_equivalence_nd(in, out, reference::pool_kind::avg, {}, pool_family::onnx);
  onnx.max = prove_equivalence_nd(in, out, reference::pool_kind::max, {}, pool_family::onnx);
  const std::string svg = window_picture_svg(onnx, 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_EQ(count(svg, R"(class="pad")"), 1U);
  EXPECT_EQ(fixed_outputs(svg, "same"), (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_NE(svg.find("avg witness kernel_shape=3 strides=2 pads=(1, 0) ceil_mode=1 "
                     "count_include_pad=0"),
            std::string::npos)
      << svg;
  equivalence_report tflite{in, out, {}, {}, pool_family::tflite, reference::pool_kind::max};
  tflite.max = prove_equivalence_nd(in, out, reference::pool_kind::max, {}, pool_family::tflite);
  const std::string max = window_picture_svg(tflite, 0);
  EXPECT_NE(max.find("max witness ksize=3 strides=2 padding=&apos;SAME&apos;"), std::string::npos)
      << max;
  EXPECT_NE(max.find("adaptive pooling 5 -&gt; 3: max EQUIVALENT<"), std::string::npos) << max;
  EXPECT_EQ(count(max, R"(class="pad")"), 2U);  // SAME pads one cell each side here
}

TEST(SvgWindowPicture, FiveToThreeDrawsFiveCellsAndTheMatchingWitness) {
  const std::string svg = window_picture_svg(proven({5}, {3}), 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_EQ(count(svg, R"(class="input")"), 5U);
  EXPECT_EQ(count(svg, R"(class="pad")"), 2U);  // the witness pads one input on each side
  EXPECT_EQ(count(svg, R"(class="adaptive")"), 3U);
  EXPECT_EQ(fixed_outputs(svg, "same"), (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(fixed_outputs(svg, "differs").empty());
  EXPECT_NE(svg.find("adaptive pooling 5 -&gt; 3: avg EQUIVALENT, max EQUIVALENT"),
            std::string::npos);
  EXPECT_NE(svg.find("avg witness kernel=3 stride=2 padding=1 ceil_mode=False "
                     "count_include_pad=False"),
            std::string::npos);
}

TEST(SvgWindowPicture, NaiveRuleDiffersAtTheFirstAndLastOutputOfFiveToThree) {
  const std::string svg = window_picture_svg(refuted(5, 3), 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_EQ(fixed_outputs(svg, "differs"), (std::set<std::int64_t>{0, 2}));
  EXPECT_EQ(fixed_outputs(svg, "same"), (std::set<std::int64_t>{1}));
  EXPECT_NE(svg.find("naive rule stride = n//m = 1, kernel = n-(m-1)*stride = 3"),
            std::string::npos);
  EXPECT_NE(svg.find("fixed windows that differ (red): 2"), std::string::npos);
}

TEST(SvgWindowPicture, TenToFourNaiveWindowsAllDiffer) {
  const std::string svg = window_picture_svg(proven({10}, {4}), 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_NE(svg.find("avg NOT EQUIVALENT, max NOT EQUIVALENT"), std::string::npos);
  EXPECT_EQ(fixed_outputs(svg, "differs"), (std::set<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(count(svg, R"(class="input")"), 10U);
  EXPECT_EQ(count(svg, R"(class="pad")"), 0U);
}

TEST(SvgWindowPicture, EscapesTheSolversExplanation) {
  const std::string svg = window_picture_svg(refuted(5, 3, "a < b & \"c\" > 'd'"), 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_NE(svg.find("a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"), std::string::npos);
}

TEST(SvgWindowPicture, DrawsNoFixedWindowsWhenOutputsExceedInputs) {
  const std::string svg = window_picture_svg(refuted(3, 5), 0);
  EXPECT_TRUE(well_formed(svg)) << svg;
  EXPECT_EQ(count(svg, R"(class="adaptive")"), 5U);
  EXPECT_EQ(count(svg, R"(class="fixed )"), 0U);
  EXPECT_NE(svg.find("fixed windows: none"), std::string::npos);
}

TEST(SvgWindowPicture, LargeSizesDrawTwoRulersAndSixtyFourOutputs) {
  const std::string svg = window_picture_svg(refuted(100003, 997), 0);
  EXPECT_TRUE(well_formed(svg));
  EXPECT_LT(svg.size(), 200'000U);
  EXPECT_EQ(count(svg, R"(class="input")"), 0U);
  // Each half zooms to the inputs its windows read: naive window 965 starts at 965 * 100.
  EXPECT_EQ(count(svg, R"(class="ruler")"), 2U);
  EXPECT_NE(svg.find("inputs 0..3502 of 100003"), std::string::npos);
  EXPECT_NE(svg.find("inputs 96500..100002 of 100003"), std::string::npos);
  EXPECT_EQ(count(svg, R"(class="adaptive")"), 64U);
  EXPECT_NE(svg.find("... 933 more outputs ..."), std::string::npos);
  for (const char* id : {"adaptive-0\"", "adaptive-31\"", "adaptive-965\"", "adaptive-996\""}) {
    EXPECT_NE(svg.find(id), std::string::npos) << id;
  }
  EXPECT_EQ(svg.find("adaptive-32\""), std::string::npos);
  // Naive stride 100, kernel 403: every drawn window is too long.
  EXPECT_EQ(fixed_outputs(svg, "differs").size(), 64U);
}

TEST(SvgWindowPicture, TheLargestSizesStaySmall) {
  for (const auto& [n, m] :
       {std::array<std::int64_t, 2>{reference::max_size, reference::max_size - 1},
        {reference::max_size, 3},
        {3, reference::max_size},
        {reference::max_size - 1, reference::max_size}}) {
    const std::string svg = window_picture_svg(refuted(n, m), 0);
    EXPECT_TRUE(well_formed(svg)) << n << " -> " << m;
    EXPECT_LT(svg.size(), 200'000U) << n << " -> " << m;
    EXPECT_EQ(count(svg, R"(class="adaptive")"),
              static_cast<std::size_t>(std::min<std::int64_t>(m, 64)));
  }
}

TEST(SvgWindowPicture, DrawsTheRequestedAxisOfAnNdLayer) {
  equivalence_report report{{224, 5}, {7, 3}, {}, {}};
  report.avg.status = report.max.status = verdict_status::equivalent;
  for (const auto& [n, m] : {std::array<std::int64_t, 2>{224, 7}, {5, 3}}) {
    report.avg.layer.emplace_back(
        equivalent{*closed_form(n, m, reference::pool_kind::avg).witness});
  }
  report.max.layer = report.avg.layer;
  const std::string svg = window_picture_svg(report, 0);
  EXPECT_TRUE(well_formed(svg));
  EXPECT_NE(svg.find("224x5 -&gt; 7x3, axis 0 (224 -&gt; 7)"), std::string::npos);
  EXPECT_EQ(count(svg, R"(class="input")"), 224U);
  EXPECT_EQ(fixed_outputs(svg, "same").size(), 7U);
  EXPECT_EQ(window_picture_svg(report, 0), svg);  // deterministic
}

closed_form_branch branch_of(std::int64_t n, std::int64_t m) {
  return closed_form(n, m, reference::pool_kind::avg).branch;
}

// Cells per path class, read back from the drawing: each run "M x,y h<width>v<cell>h-<width>z"
// covers width/cell cells. Scanned by hand: std::regex recurses per character of a long match.
std::map<std::string, std::int64_t> cells_per_branch(const std::string& svg) {
  const std::string prefix = R"(<path class="branch )";
  std::map<std::string, std::int64_t> cells;
  for (std::size_t at = svg.find(prefix); at != std::string::npos; at = svg.find(prefix, at)) {
    at += prefix.size();
    const std::string branch = svg.substr(at, svg.find('"', at) - at);
    const std::size_t d = svg.find(R"( d=")", at) + 4;
    const std::size_t end = svg.find('"', d);
    for (std::size_t h = svg.find('h', d); h < end; h = svg.find('h', h + 1)) {
      if (svg[h + 1] == '-') continue;
      char* v = nullptr;
      const std::int64_t width = std::strtoll(svg.c_str() + h + 1, &v, 10);
      cells[branch] += width / std::strtoll(v + 1, nullptr, 10);
    }
  }
  return cells;
}

TEST(SvgEquivalenceMap, TwelveByTwelveColoursEveryPairByItsBranch) {
  sweep_options options;
  options.in = {1, 12};
  options.out = {1, 12};
  const std::string svg = equivalence_map_svg(options, branch_of);
  EXPECT_TRUE(well_formed(svg)) << svg;
  // The theorem's rule, restated here: m | n; n > m and n = 1 (mod m); n = -1 (mod m); none.
  std::map<std::string, std::int64_t> expected;
  for (std::int64_t n = 1; n <= 12; ++n) {
    for (std::int64_t m = 1; m <= 12; ++m) {
      const char* branch = n % m == 0            ? "divisible"
                           : n > m && n % m == 1 ? "remainder-one"
                           : (n + 1) % m == 0    ? "remainder-minus"
                                                 : "none";
      ++expected[branch];
    }
  }
  const std::map<std::string, std::int64_t> drawn = cells_per_branch(svg);
  EXPECT_EQ(drawn, expected);
  std::int64_t total = 0;
  for (const auto& [branch, cells] : drawn) total += cells;
  EXPECT_EQ(total, 144);
  EXPECT_NE(svg.find("divisible: m | n: k = s = n/m, p = 0"), std::string::npos);
  EXPECT_NE(svg.find("(" + std::to_string(expected["divisible"]) + " pairs)"), std::string::npos);
}

TEST(SvgEquivalenceMap, FullSizeMapStaysCompact) {
  sweep_options options;
  options.in = {1, max_map_side};
  options.out = {1, max_map_side};
  const std::string svg = equivalence_map_svg(options, branch_of);
  EXPECT_TRUE(well_formed(svg));
  EXPECT_LT(svg.size(), 1'000'000U);
  std::int64_t total = 0;
  for (const auto& [branch, cells] : cells_per_branch(svg)) total += cells;
  EXPECT_EQ(total, max_map_side * max_map_side);
  EXPECT_EQ(equivalence_map_svg(options, branch_of), svg);  // deterministic
}

TEST(SvgEquivalenceMap, RefusesMoreThan512ValuesPerSide) {
  sweep_options options;
  options.in = {1, 600};
  options.out = {1, 600};
  try {
    (void)equivalence_map_svg(options, branch_of);
    FAIL() << "600x600 was drawn";
  } catch (const common::input_error& error) {
    EXPECT_STREQ(error.what(), "map of 600x600 pairs is larger than 512x512");
  }
  options.in = {1, 12};
  options.out = {40, 552};  // 513 values of m
  EXPECT_THROW((void)equivalence_map_svg(options, branch_of), common::input_error);
}

TEST(SvgEquivalenceMap, RefusesAnEmptyRange) {
  sweep_options options;
  options.in = {5, 4};
  EXPECT_THROW((void)equivalence_map_svg(options, branch_of), common::input_error);
  options.in = {0, 4};
  EXPECT_THROW((void)equivalence_map_svg(options, branch_of), common::input_error);
}

}  // namespace
}  // namespace poolproof::solver
