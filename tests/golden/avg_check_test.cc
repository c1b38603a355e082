// The avg forward check that decides most elements in doubles (golden/avg_check.h) against
// check_result: the same report, field for field as --json prints it, on every avg forward case
// of the committed suite below binary64 and on cases at user shapes, for the correctly rounded
// result, simulated engines (other summation orders, a reciprocal, wrong windows) and planted
// errors (last bits, a far value, NaN, infinities, a sign). Loading fails alike on a suite
// whose stored result is not the correctly rounded one.
#include "golden/avg_check.h"

#include <gtest/gtest.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/reference_run.h>
#include <poolproof/golden/user_cases.h>

#include <array>
#include <bit>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "golden/check_parts.h"
#include "golden/streamed_sums.h"
#include "io_test_util.h"
#include "sample.h"
#include "simulated_engine.h"

namespace poolproof::golden {
namespace {

using test::summation;
using test::window_rule;

// A suite of the one user-shape case `text` (as `golden generate --case` writes it, seeded
// `seed`) at `suite`: its manifest entry.
golden_case write_user_case(const std::filesystem::path& suite, const std::string& text,
                            std::uint64_t seed) {
  (void)write_suite(suite, seed, {parse_case_spec(text)},
                    [seed](const case_spec& s) { return build_user_case(s, seed); });
  return load_manifest(suite).cases.front();
}

std::string json_of(const case_report& report) {
  suite_report suite;
  suite.cases.push_back(report);
  return format_report(suite, true);
}

// Last bits off at every third element.
candidate_result last_bits_off(const loaded_case& golden) {
  candidate_result last_bits{golden.expected.shape, golden.expected_bits, {}};
  for (std::size_t k = 0; k < last_bits.bits.size(); k += 3) last_bits.bits[k] ^= 1;
  return last_bits;
}

// A far value, NaN, both infinities and a sign (elements apart, so each is its own failure).
candidate_result planted_errors(const loaded_case& golden) {
  const reference::format_layout layout = reference::layout_of(golden.problem.dtype);
  const std::uint64_t ones = ((std::uint64_t{1} << layout.exponent_bits) - 1)
                             << layout.fraction_bits;
  const std::uint64_t sign = std::uint64_t{1} << (layout.width() - 1);
  const std::uint64_t half = std::uint64_t{1} << (layout.fraction_bits - 1);
  candidate_result planted{golden.expected.shape, golden.expected_bits, {}};
  std::vector<std::uint64_t>& bits = planted.bits;
  bits[bits.size() / 2] ^= half;
  bits.back() = ones | half;
  bits.front() = ones;
  if (bits.size() > 3) bits[1] = ones | sign;
  bits[bits.size() / 3] ^= sign;
  return planted;
}

// Candidates: the rounded result, simulated engines, and planted errors, each with its number j.
// Candidate j is made when in_sample(first + j): all of them, or under a sample a few, others
// at each `first`.
std::vector<std::pair<std::size_t, candidate_result>> candidates(const loaded_case& golden,
                                                                 std::size_t first) {
  std::vector<std::function<candidate_result()>> makers;
  makers.emplace_back([&] {
    return candidate_result{golden.expected.shape, golden.expected_bits, {}};
  });
  for (summation sum : {summation::sequential, summation::float32_accumulator})
    makers.emplace_back([&, sum] {
      return test::run_engine(golden, {window_rule::adaptive, sum});
    });
  makers.emplace_back([&] {
    test::engine_config reciprocal;
    reciprocal.multiply_by_reciprocal = true;
    return test::run_engine(golden, reciprocal);
  });
  makers.emplace_back([&] {
    return test::run_engine(golden, {window_rule::floor_end, summation::exact});
  });
  makers.emplace_back([&] { return last_bits_off(golden); });
  makers.emplace_back([&] { return planted_errors(golden); });
  std::vector<std::pair<std::size_t, candidate_result>> all;
  for (std::size_t j = 0; j < makers.size(); ++j)
    if (test::in_sample(first + j)) all.emplace_back(j, makers[j]());
  return all;
}

// Returns how many cases it compared. Every case is loaded both ways; under a sample
// (POOLPROOF_TEST_SAMPLE) each is checked with a few of its candidates: which ones turns with
// the case's place and its name's length, so one-case suites do not always get the same few.
int expect_same_reports(const std::filesystem::path& suite) {
  int compared = 0;
  for (const golden_case& entry : load_manifest(suite).cases) {
    if (!detail::fast_avg_checkable(entry, {})) continue;
    const loaded_case golden = load_case(suite, entry);
    const detail::avg_case fast = detail::load_avg_case(suite, entry);
    const std::size_t first = static_cast<std::size_t>(compared) + entry.name.size();
    for (const auto& [number, candidate] : candidates(golden, first)) {
      EXPECT_EQ(json_of(detail::check_avg_case(fast, candidate, {})),
                json_of(check_result(golden, candidate, {})))
          << entry.name << ", candidate " << number;
    }
    ++compared;
  }
  return compared;
}

TEST(FastAvgCheck, SameReportsOnTheCommittedSuite) {
  EXPECT_GE(expect_same_reports(POOLPROOF_GOLDEN_SUITE), 40);
}

TEST(FastAvgCheck, SameReportsAtUserShapes) {
  const io_test::scratch_dir dir;
  std::vector<case_spec> specs;
  for (const char* text :
       {"adaptive_avg_pool:float16:2x3x100x100:7x7", "adaptive_avg_pool:bfloat16:2x20x20x20:3x3x3",
        "adaptive_avg_pool:float32:1x10:13", "adaptive_avg_pool:float32:4x3x33x33:5x5",
        "adaptive_avg_pool:bfloat16:8x100:7", "adaptive_avg_pool:float16:3x5000:2",
        "adaptive_avg_pool:float16:2x200x200:1",
        // 2.4 MB: read in pieces into a buffer of its own mapping, its window sums begun while
        // the later pieces are read
        "adaptive_avg_pool:float32:2x5x300x200:6x7"})
    specs.push_back(parse_case_spec(text));
  (void)write_suite(dir.path() / "suite", 11, specs,
                    [](const case_spec& s) { return build_user_case(s, 11); });
  EXPECT_EQ(expect_same_reports(dir.path() / "suite"), static_cast<int>(specs.size()));
}

// Replaces the file of `role` of the suite's first case by `bytes`; its manifest sums too when
// `update_sum`.
void replace_role_file(const std::filesystem::path& suite, const std::string& role,
                       const std::vector<std::byte>& bytes, bool update_sum) {
  golden_manifest manifest = load_manifest(suite);
  golden_file& file = manifest.cases.front().files.at(role);
  std::ofstream(suite / file.path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!update_sum) return;
  file = file_of(file.path, bytes);
  const std::string text = serialize_manifest(manifest);
  std::ofstream(suite / "manifest.json", std::ios::trunc) << text;
}

// The message `load` throws, or "" when it throws none.
template <typename Load>
std::string error_of(Load load) {
  try {
    load();
  } catch (const common::input_error& error) {
    return error.what();
  }
  return "";
}

TEST(FastAvgCheck, SameReportsWhenTheInputHeaderLeavesThePayloadUnaligned) {
  // numpy pads a header to 64 bytes; one padding space less puts the payload at an odd offset,
  // where the fast check copies it out instead of using it in place.
  for (const char* text :
       {"adaptive_avg_pool:float16:2x3x30x30:7x7", "adaptive_avg_pool:float32:3x40:6"}) {
    const io_test::scratch_dir dir;
    const std::filesystem::path suite = dir.path() / "suite";
    const golden_case entry = write_user_case(suite, text, 5);
    std::vector<std::byte> bytes = io_test::bytes_of(suite / entry.files.at("input").path);
    const auto header_length =
        std::to_integer<std::size_t>(bytes[8]) + 256 * std::to_integer<std::size_t>(bytes[9]);
    const std::size_t newline = 10 + header_length - 1;
    ASSERT_EQ(bytes[newline], std::byte{'\n'});
    ASSERT_EQ(bytes[newline - 1], std::byte{' '});
    bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(newline) - 1);
    bytes[8] = static_cast<std::byte>((header_length - 1) & 0xff);
    bytes[9] = static_cast<std::byte>((header_length - 1) >> 8);
    ASSERT_EQ((10 + header_length - 1) % 2, 1U);
    replace_role_file(suite, "input", bytes, true);
    EXPECT_EQ(expect_same_reports(suite), 1) << text;
  }
}

TEST(FastAvgCheck, AnInputThatMismatchesItsSumIsRefusedFirst) {
  // The input is hashed while the rest is read: a mismatch is still the error reported, ahead
  // of what the input's contents would cause (here a header naming the wrong dtype).
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  const golden_case entry = write_user_case(suite, "adaptive_avg_pool:float16:2x3x30x30:7x7", 5);
  std::vector<std::byte> bytes = io_test::bytes_of(suite / entry.files.at("input").path);
  // An intact input under a wrong sum: the rest of the case reads fine, and the mismatch stands.
  golden_case wrong_sum = entry;
  std::string& sum = wrong_sum.files.at("input").xxh128;
  sum[0] = sum[0] == '0' ? '1' : '0';
  EXPECT_NE(
      error_of([&] { (void)detail::load_avg_case(suite, wrong_sum); }).find("xxh128 mismatch"),
      std::string::npos);
  EXPECT_EQ(error_of([&] { (void)load_case(suite, entry); }), "");
  const std::string header(reinterpret_cast<const char*>(bytes.data()), 64);
  const std::size_t descr = header.find("<f2");
  ASSERT_NE(descr, std::string::npos);
  bytes[descr + 2] = std::byte{'4'};
  replace_role_file(suite, "input", bytes, false);
  const auto exact_load = [&] { (void)load_case(suite, entry); };
  const auto fast_load = [&] { (void)detail::load_avg_case(suite, entry); };
  EXPECT_NE(error_of(fast_load).find("xxh128 mismatch"), std::string::npos) << error_of(fast_load);
  EXPECT_EQ(error_of(fast_load), error_of(exact_load));
  // With its sum updated, the header's own error, alike.
  replace_role_file(suite, "input", bytes, true);
  const golden_case updated = load_manifest(suite).cases.front();
  const std::string message = error_of([&] { (void)detail::load_avg_case(suite, updated); });
  EXPECT_EQ(message.find("mismatch"), std::string::npos) << message;
  EXPECT_NE(message, "");
  EXPECT_EQ(message, error_of([&] { (void)load_case(suite, updated); }));
}

TEST(FastAvgCheck, FilesReadAheadKeepLoadCasesErrorOrder) {
  // The result and exact values files are read while the input is read and summed: whichever of
  // the three files are damaged, the error reported is the first one load_case meets.
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  const golden_case entry = write_user_case(suite, "adaptive_avg_pool:float16:2x3x30x30:7x7", 5);
  const std::array<std::string, 3> roles = {"input", "expected", "exact"};
  for (const std::string& role : roles) ASSERT_TRUE(entry.files.contains(role)) << role;
  for (unsigned damaged = 1; damaged < 8; ++damaged) {
    golden_case changed = entry;
    for (std::size_t r = 0; r < roles.size(); ++r) {
      if (((damaged >> r) & 1U) == 0) continue;
      std::string& sum = changed.files.at(roles[r]).xxh128;
      sum[0] = sum[0] == '0' ? '1' : '0';
    }
    const std::string& first = roles[static_cast<std::size_t>(std::countr_zero(damaged))];
    const std::string expected = error_of([&] { (void)load_case(suite, changed); });
    EXPECT_NE(expected.find(changed.files.at(first).path), std::string::npos) << expected;
    EXPECT_NE(expected.find("xxh128 mismatch"), std::string::npos) << expected;
    EXPECT_EQ(error_of([&] { (void)detail::load_avg_case(suite, changed); }), expected) << damaged;
  }
  // A missing result file with a damaged exact values file: the result's error.
  std::filesystem::remove(suite / entry.files.at("expected").path);
  golden_case changed = entry;
  std::string& sum = changed.files.at("exact").xxh128;
  sum[0] = sum[0] == '0' ? '1' : '0';
  const std::string expected = error_of([&] { (void)load_case(suite, changed); });
  EXPECT_NE(expected.find(entry.files.at("expected").path), std::string::npos) << expected;
  EXPECT_EQ(error_of([&] { (void)detail::load_avg_case(suite, changed); }), expected);
}

// Rewrites the suite's first case: its input as `change_input` leaves it, the expected result
// (and exact values, when the case has them) recomputed from that input, then `change_result`
// applied to the result; the manifest's sums follow.
void rewrite_case(const std::filesystem::path& suite,
                  const std::function<void(npy_array&)>& change_input,
                  const std::function<void(npy_array&)>& change_result) {
  golden_manifest manifest = load_manifest(suite);
  golden_case& entry = manifest.cases.front();
  const auto replace = [&](const std::string& role, const std::vector<std::byte>& bytes) {
    golden_file& file = entry.files.at(role);
    io_test::write_bytes(
        suite / file.path,
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    file = file_of(file.path, bytes);
  };
  reference_request request{entry.op, entry.dtype, entry.output_size, {}, std::nullopt, 1};
  request.input = read_npy(suite / entry.files.at("input").path);
  change_input(request.input);
  replace("input", serialize_npy(request.input));
  reference_result result = run_reference(request);
  if (entry.files.contains("exact")) {
    const std::string text = serialize_exact_values(exact_result(request, result));
    replace("exact", {reinterpret_cast<const std::byte*>(text.data()),
                      reinterpret_cast<const std::byte*>(text.data() + text.size())});
  }
  change_result(result.result);
  replace("expected", serialize_npy(result.result));
  const std::string text = serialize_manifest(manifest);
  std::ofstream(suite / "manifest.json", std::ios::trunc) << text;
}

TEST(FastAvgCheck, RefusesAResultThatIsNotTheRoundedOne) {
  // A consistent manifest over an expected.npy one bit off: both loaders refuse it alike, in each
  // format, whether the window sums are exact (the means are rounded from them) or, with an
  // infinity in the input, not (the engine's result is compared).
  for (const char* text :
       {"adaptive_avg_pool:float32:2x9x9:4x4", "adaptive_avg_pool:float16:2x3x30x30:7x7",
        "adaptive_avg_pool:bfloat16:3x40:6"}) {
    for (const bool infinity : {false, true}) {
      for (const bool flip : {false, true}) {
        const io_test::scratch_dir dir;
        const std::filesystem::path suite = dir.path() / "suite";
        const reference::format_layout layout =
            reference::layout_of(write_user_case(suite, text, 3).dtype);
        rewrite_case(
            suite,
            [&](npy_array& input) {
              if (infinity)
                input.words[0] = ((std::uint64_t{1} << layout.exponent_bits) - 1)
                                 << layout.fraction_bits;
            },
            [&](npy_array& expected) {
              if (flip) expected.words[5] ^= 1;
            });
        const golden_case entry = load_manifest(suite).cases.front();
        const std::string message =
            flip ? "golden case '" + entry.name +
                       "': expected element 5 is not the correctly rounded value"
                 : "";
        EXPECT_EQ(error_of([&] { (void)load_case(suite, entry); }), message)
            << text << infinity << flip;
        EXPECT_EQ(error_of([&] { (void)detail::load_avg_case(suite, entry); }), message)
            << text << infinity << flip;
      }
    }
  }
}

TEST(FastAvgCheck, AnInexactWindowSendsTheLoaderToTheWholeRead) {
  // A window of the first plane spanning 2^100 to 2^-100 has no exact double sums: the streamed
  // read gives way, and the input read whole decides alike.
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  (void)write_user_case(suite, "adaptive_avg_pool:float32:2x3x30x30:5x6", 9);
  rewrite_case(
      suite,
      [](npy_array& input) {
        input.words[0] = std::bit_cast<std::uint32_t>(0x1p100F);
        input.words[1] = std::bit_cast<std::uint32_t>(0x1p-100F);
      },
      [](npy_array&) {});
  const golden_case entry = load_manifest(suite).cases.front();
  EXPECT_FALSE(
      detail::streamed_window_sums<float>(suite, entry, detail::case_problem(entry)).has_value());
  EXPECT_FALSE(detail::load_avg_case(suite, entry).input_32.values().empty());
  EXPECT_EQ(expect_same_reports(suite), 1);
}

// The stored exact values, changed in ways each loader must see alike (the fast one checks a
// plain text in parts, in parallel): the same error, or none, as load_case.
TEST(FastAvgCheck, ExactValuesAreRefusedAsLoadCaseRefusesThem) {
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  // 9000 results: three parts of the parallel check.
  const golden_case entry = write_user_case(suite, "adaptive_avg_pool:float16:2x3x3000:1500", 9);
  const std::vector<std::byte> stored = io_test::bytes_of(suite / entry.files.at("exact").path);
  const auto original =
      nlohmann::json::parse(
          std::string(reinterpret_cast<const char*>(stored.data()), stored.size()))
          .get<std::vector<std::string>>();
  ASSERT_EQ(original.size(), 9000U);
  const auto other = [&](std::size_t k) { return original[k] == "1" ? "2" : "1"; };
  using strings = std::vector<std::string>;
  const std::vector<std::pair<std::string, std::function<std::string(strings)>>> changes = {
      {"unchanged", [](const strings& v) { return nlohmann::json(v).dump(1); }},
      {"one disagreement",
       [&](strings v) {
         v[8500] = other(8500);
         return nlohmann::json(v).dump(1);
       }},
      {"two disagreements",
       [&](strings v) {
         v[5000] = other(5000);
         v[8500] = other(8500);
         return nlohmann::json(v).dump(1);
       }},
      {"a malformed value after a disagreement",
       [&](strings v) {
         v[100] = other(100);
         v[8600] = "1/x";
         return nlohmann::json(v).dump(1);
       }},
      {"two malformed values",
       [&](strings v) {
         v[100] = "--1";
         v[8600] = "1/x";
         return nlohmann::json(v).dump(1);
       }},
      {"one value short",
       [](strings v) {
         v.pop_back();
         return nlohmann::json(v).dump(1);
       }},
      {"one value more",
       [](strings v) {
         v.emplace_back("0");
         return nlohmann::json(v).dump(1);
       }},
      {"one value more and a malformed one",
       [](strings v) {
         v.emplace_back("0");
         v[50] = "";
         return nlohmann::json(v).dump(1);
       }},
      {"equal values in other texts",
       [](strings v) {
         // A leading zero after the sign: the same value, not the canonical text.
         for (std::size_t k = 0; k < v.size(); k += 7)
           v[k].insert(v[k].starts_with('-') ? 1 : 0, "0");
         return nlohmann::json(v).dump(1);
       }},
      // An escape: read by the parser, in one pass in order, alike.
      {"an escaped character",
       [&](strings v) {
         v[9] = other(9);
         v[20] = "\x01";  // a control character, escaped in JSON
         return nlohmann::json(v).dump(1);
       }},
      {"an escaped character and one disagreement",
       [&](strings v) {
         v[7000] = other(7000);
         std::string text = nlohmann::json(v).dump(1);
         const std::size_t quote = text.find('"');
         return text.insert(quote + 1, "\\u0030");
       }},
      {"malformed JSON after a disagreement",
       [&](strings v) {
         v[3] = other(3);
         return nlohmann::json(v).dump(1) + ",";
       }},
  };
  for (const auto& [what, change] : changes) {
    const std::string text = change(original);
    replace_role_file(suite, "exact", io_test::to_bytes(text), true);
    const golden_case changed = load_manifest(suite).cases.front();
    const std::string expected = error_of([&] { (void)load_case(suite, changed); });
    EXPECT_EQ(error_of([&] { (void)detail::load_avg_case(suite, changed); }), expected) << what;
    if (what == "unchanged" || what == "equal values in other texts") {
      EXPECT_EQ(expected, "") << what;
    } else {
      EXPECT_NE(expected, "") << what;
    }
  }
}

}  // namespace
}  // namespace poolproof::golden
