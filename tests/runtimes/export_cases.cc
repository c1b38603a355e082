// export_cases --out DIR [--max-size N]: writes the cases the export runtime tests run. For the
// ONNX family: one emitted model per (sizes, kind) for every 1-D n, m <= N and a sample of 2-D, 3-D
// and large sizes, each with an integer input [2, 3, *in] and its exact adaptive pooling from the
// reference (avg: the exact mean as a double; max: the element), plus the naive rule's single
// layer for every refuted 1-D pair, which the check must reject. For the PyTorch family: the
// emitted nn.Module source of the same 1-D pairs up to 24 and the sample. For the TFLite family:
// the closed form's layer of every n, m <= N. All listed in DIR/manifest.json.
#include <fmt/format.h>
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/exporter/onnx_model.h>
#include <poolproof/exporter/pytorch_module.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/decomposition.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace {

using json = nlohmann::json;
using poolproof::reference::pool_kind;
namespace solver = poolproof::solver;
namespace reference = poolproof::reference;

struct sizes {
  std::vector<std::int64_t> in, out;
};

// The 2-D, 3-D and large sizes beside every small 1-D pair.
std::vector<sizes> sample() {
  return {{{9, 9}, {7, 7}},    {{14, 14}, {5, 5}},     {{33}, {10}},
          {{19, 19}, {7, 7}},  {{112, 112}, {13, 13}}, {{300, 300}, {7, 7}},
          {{224, 10}, {7, 4}}, {{5, 6, 7}, {3, 4, 5}}, {{13, 1, 9}, {4, 3, 9}},
          {{100003}, {997}},   {{4096}, {4095}},       {{1000}, {999}},
          {{7, 50}, {50, 7}},  {{2, 3}, {7, 11}}};
}

// Integers in [-64, 64]: every window sum is exact in float32, so only the final division
// (divisions, for avg over several axes) can round.
std::vector<std::int64_t> input_values(const std::vector<std::int64_t>& shape,
                                       std::mt19937_64& random) {
  std::int64_t count = 1;
  for (std::int64_t size : shape) count *= size;
  std::vector<std::int64_t> values(static_cast<std::size_t>(count));
  for (std::int64_t& v : values) v = static_cast<std::int64_t>(random() % 129) - 64;
  return values;
}

json expected(const std::vector<std::int64_t>& shape, const std::vector<std::int64_t>& values,
              const std::vector<std::int64_t>& out, pool_kind kind) {
  reference::exact_tensor x{shape, {}};
  for (std::int64_t v : values)
    x.values.push_back(reference::extended_rational::finite(reference::rational(v)));
  const reference::exact_tensor y = kind == pool_kind::avg
                                        ? reference::adaptive_avg_pool(x, out)
                                        : reference::adaptive_max_pool(x, out).values;
  json result = json::array();
  for (const auto& v : y.values) result.push_back(v.value.convert_to<double>());
  return result;
}

std::string name_of(const sizes& s, pool_kind kind) {
  return fmt::format("{}_{}_{}", fmt::join(s.in, "x"), fmt::join(s.out, "x"),
                     reference::pool_kind_name(kind));
}

json onnx_case(const std::filesystem::path& dir, const sizes& s, pool_kind kind,
               std::mt19937_64& random) {
  const solver::decomposition d =
      solver::decompose(s.in, s.out, kind, solver::pool_family::onnx, {});
  const poolproof::exporter::onnx_model model = poolproof::exporter::make_onnx_model(d);
  const std::string file = "onnx_" + name_of(s, kind) + ".onnx";
  poolproof::common::write_file_atomically((dir / file).string(), model.bytes);
  std::vector<std::int64_t> shape{2, 3};
  shape.insert(shape.end(), s.in.begin(), s.in.end());
  const std::vector<std::int64_t> values = input_values(shape, random);
  std::int64_t lengths = 0;
  for (std::size_t a = 0; a < s.in.size(); ++a) lengths += s.in[a] / s.out[a] + 2;
  return {{"file", file},
          {"kind", reference::pool_kind_name(kind)},
          {"in_size", s.in},
          {"out_size", s.out},
          {"shape", shape},
          {"input", values},
          {"expected", expected(shape, values, s.out, kind)},
          // Per-axis means each round once, and their sums at most sum(L) times: ulps of 64.
          {"bound", static_cast<double>(lengths + 4) * 64.0 * std::ldexp(1.0, -23)},
          {"nodes", model.nodes},
          {"pooling_ops", d.pooling_ops()}};
}

// A refuted pair's naive single layer (stride n//m, kernel n-(m-1)*stride), which must fail.
std::optional<json> wrong_case(const std::filesystem::path& dir, std::int64_t n, std::int64_t m,
                               pool_kind kind, std::mt19937_64& random) {
  if (n < m || solver::closed_form(n, m, kind, solver::pool_family::onnx).witness)
    return std::nullopt;
  reference::onnx_pool_params naive;
  naive.stride = n / m;
  naive.kernel = n - (m - 1) * naive.stride;
  solver::decomposition d{solver::pool_family::onnx, kind, {n}, {m}, {naive}, {}, 0};
  const std::string file =
      fmt::format("wrong_{}_{}_{}.onnx", n, m, reference::pool_kind_name(kind));
  poolproof::common::write_file_atomically((dir / file).string(),
                                           poolproof::exporter::make_onnx_model(d).bytes);
  const std::vector<std::int64_t> shape{2, 3, n};
  const std::vector<std::int64_t> values = input_values(shape, random);
  return json{{"file", file},
              {"kind", reference::pool_kind_name(kind)},
              {"in_size", {n}},
              {"out_size", {m}},
              {"shape", shape},
              {"input", values},
              {"expected", expected(shape, values, {m}, kind)},
              {"bound", 6 * 64.0 * std::ldexp(1.0, -23)},
              {"wrong", true}};
}

json pytorch_case(const std::filesystem::path& dir, const sizes& s, pool_kind kind) {
  const std::string file = "torch_" + name_of(s, kind) + ".py";
  poolproof::common::write_file_atomically(
      (dir / file).string(), poolproof::exporter::pytorch_module_source(s.in, s.out, kind));
  return {{"file", file},
          {"kind", reference::pool_kind_name(kind)},
          {"in_size", s.in},
          {"out_size", s.out}};
}

json tflite_case(std::int64_t n, std::int64_t m, pool_kind kind) {
  const solver::closed_form_answer answer =
      solver::closed_form(n, m, kind, solver::pool_family::tflite);
  json out = {{"in_size", n},
              {"out_size", m},
              {"kind", reference::pool_kind_name(kind)},
              {"equivalent", answer.witness.has_value()}};
  if (answer.witness) {
    const auto& w = std::get<reference::tflite_pool_params>(*answer.witness);
    out["ksize"] = w.kernel;
    out["stride"] = w.stride;
    out["padding"] = reference::tflite_padding_name(w.padding);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write the export runtime tests' models and cases"};
  std::string out_dir;
  std::int64_t max_size = 40, torch_max_size = 24;
  app.add_option("--out", out_dir, "directory for the models and manifest.json")->required();
  app.add_option("--max-size", max_size, "every 1-D n, m up to this");
  app.add_option("--torch-max-size", torch_max_size, "PyTorch modules for n, m up to this");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::filesystem::path dir(out_dir);
    std::filesystem::create_directories(dir);
    std::mt19937_64 random(20261203);
    json manifest = {
        {"onnx", json::array()}, {"pytorch", json::array()}, {"tflite", json::array()}};
    std::vector<sizes> all = sample();
    for (std::int64_t n = 1; n <= max_size; ++n) {
      for (std::int64_t m = 1; m <= max_size; ++m) all.push_back({{n}, {m}});
    }
    for (const sizes& s : all) {
      const bool small = s.in.size() == 1 && s.in[0] <= max_size && s.out[0] <= max_size;
      for (pool_kind kind : {pool_kind::avg, pool_kind::max}) {
        manifest["onnx"].push_back(onnx_case(dir, s, kind, random));
        if (small) {
          if (auto wrong = wrong_case(dir, s.in[0], s.out[0], kind, random))
            manifest["onnx"].push_back(*wrong);
          manifest["tflite"].push_back(tflite_case(s.in[0], s.out[0], kind));
        }
        const bool torch_small = small && s.in[0] <= torch_max_size && s.out[0] <= torch_max_size;
        if (!small || torch_small) manifest["pytorch"].push_back(pytorch_case(dir, s, kind));
      }
    }
    poolproof::common::write_file_atomically((dir / "manifest.json").string(), manifest.dump());
    std::cout << fmt::format("export_cases: {} ONNX models, {} PyTorch modules, {} TFLite layers\n",
                             manifest["onnx"].size(), manifest["pytorch"].size(),
                             manifest["tflite"].size());
    return 0;
  } catch (const poolproof::common::input_error& e) {
    std::cerr << "export_cases: " << e.what() << "\n";
    return 2;
  }
}
