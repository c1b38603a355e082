// Google Benchmark of `golden check` at a user's shape (issue #19 item 4), in process and side by
// side: the whole check (check_suite: the manifest, reading and verifying the case, judging the
// candidate) of a float16 [8,64,112,112] -> 7x7 case from `golden generate --case`, its own
// expected output as the candidate; the engine's avg forward on the same input (one thread and
// all cores); the check's own window sums of that input (on all cores, as the check makes them); a
// plain read of the case's input file into fresh memory, as the check reads it; and the two digests
// of that file in memory (the check verifies xxh128, `golden verify` sha256 too). What the `golden`
// program adds (process start, exit) is bench/run_benchmarks.sh's to measure.
// `--small` checks a [2,4,28,28] case instead (the ctest smoke run).
#include <benchmark/benchmark.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/user_cases.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_main.h"
#include "golden/window_sums.h"

namespace poolproof::bench {
namespace {

namespace fs = std::filesystem;

// The case generated once into a scratch directory (removed at exit), its candidate beside it,
// and its input in memory for the engine's rows.
class user_case {
 public:
  explicit user_case(const std::string& spec_text)
      : root_(fs::temp_directory_path() /
              ("poolproof-golden-bench-" + std::to_string(::getpid()))) {
    const golden::case_spec spec = golden::parse_case_spec(spec_text);
    fs::remove_all(root_);
    fs::create_directories(candidate());
    (void)golden::write_suite(suite(), 7, {spec}, [](const golden::case_spec& s) {
      return golden::build_user_case(s, 7);
    });
    const golden::golden_case entry = golden::load_manifest(suite()).cases.front();
    input_file_ = suite() / entry.files.at("input").path;
    fs::copy_file(suite() / entry.files.at("expected").path,
                  candidate() / (entry.name + ".output.npy"));
    const golden::npy_array input = golden::read_npy(input_file_);
    shape_ = input.shape;
    for (std::uint64_t word : input.words) input_.push_back(static_cast<std::uint16_t>(word));
    output_size_ = entry.output_size;
    std::int64_t outputs = shape_[0] * shape_[1];
    for (std::int64_t size : output_size_) outputs *= size;
    output_.resize(static_cast<std::size_t>(outputs));
  }
  user_case(const user_case&) = delete;
  user_case& operator=(const user_case&) = delete;
  ~user_case() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  [[nodiscard]] fs::path suite() const { return root_ / "suite"; }
  [[nodiscard]] fs::path candidate() const { return root_ / "candidate"; }
  [[nodiscard]] const fs::path& input_file() const { return input_file_; }

  // The check's own pass over the input: every window's sums in doubles (golden/window_sums.h).
  [[nodiscard]] std::vector<golden::detail::window_sums> window_sums() const {
    golden::pooling_problem problem;
    problem.spatial_dims = static_cast<int>(output_size_.size());
    problem.dtype = reference::float_format::binary16;
    problem.input.shape = shape_;
    problem.output_size = output_size_;
    return golden::detail::all_window_sums<std::uint16_t>(problem, input_);
  }

  void run_engine(unsigned threads) {
    engine::adaptive_avg_pool<std::uint16_t>(reference::float_format::binary16, shape_, input_,
                                             output_size_, output_, threads);
  }

 private:
  fs::path root_;
  fs::path input_file_;
  std::vector<std::int64_t> shape_;
  std::vector<std::int64_t> output_size_;
  std::vector<std::uint16_t> input_;
  std::vector<std::uint16_t> output_;
};

void register_all(bool small_only) {
  const std::string spec = small_only ? "adaptive_avg_pool:float16:2x4x28x28:7x7"
                                      : "adaptive_avg_pool:float16:8x64x112x112:7x7";
  const auto the_case = std::make_shared<user_case>(spec);
  const std::string name = small_only ? "2x4x28x28_7x7" : "8x64x112x112_7x7";
  benchmark::RegisterBenchmark(("golden_check/float16/" + name).c_str(),
                               [the_case](benchmark::State& state) {
                                 for (auto _ : state) {
                                   const golden::suite_report report = golden::check_suite(
                                       the_case->suite(), the_case->candidate(), {});
                                   if (report.passed != 1) state.SkipWithError("the check failed");
                                 }
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (const unsigned threads : {1u, engine::resolve_threads(0)}) {
    benchmark::RegisterBenchmark(
        ("engine_avg_forward/float16/" + name + "/threads:" + std::to_string(threads)).c_str(),
        [the_case, threads](benchmark::State& state) {
          for (auto _ : state) the_case->run_engine(threads);
        })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark(("check_window_sums/float16/" + name +
                                "/threads:" + std::to_string(engine::resolve_threads(0)))
                                   .c_str(),
                               [the_case](benchmark::State& state) {
                                 for (auto _ : state)
                                   benchmark::DoNotOptimize(the_case->window_sums());
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(("read_input_file/float16/" + name).c_str(),
                               [the_case](benchmark::State& state) {
                                 for (auto _ : state) {
                                   common::page_buffer buffer;
                                   const auto bytes = golden::read_file_into(
                                       the_case->input_file(), std::size_t{1} << 31, "input",
                                       [&buffer](std::size_t size) {
                                         buffer = common::page_buffer(size + 1);
                                         return buffer.bytes();
                                       });
                                   benchmark::DoNotOptimize(bytes.data());
                                 }
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  const auto file_bytes = std::make_shared<std::vector<std::byte>>(
      golden::read_file_bytes(the_case->input_file(), std::size_t{1} << 31, "input"));
  for (const auto& [digest, hash] :
       {std::pair{"xxh128", &golden::xxh128_hex}, std::pair{"sha256", &golden::sha256_hex}}) {
    benchmark::RegisterBenchmark(("digest_" + std::string(digest) + "/float16/" + name).c_str(),
                                 [file_bytes, hash = hash](benchmark::State& state) {
                                   for (auto _ : state) benchmark::DoNotOptimize(hash(*file_bytes));
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace poolproof::bench

int main(int argc, char** argv) {
  return poolproof::bench::run_benchmark_main(argc, argv, poolproof::bench::register_all);
}
