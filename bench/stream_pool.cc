// Pools a large float32 input exactly with the fast engine and reports time and memory:
//   /usr/bin/time -v stream_pool [--mib 1024] [--threads 0]
// The input ([1, mib, 512, 512], one MiB per plane) is an anonymous mapping filled in place;
// the engine reads it plane by plane and writes a 7x7 output per plane, so the peak resident
// set should be the input plus a few MiB (bench/RESULTS.md records the measured figure).
#include <poolproof/engine/adaptive_pool.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace {

struct arguments {
  std::int64_t mib = 1024;
  unsigned threads = 0;
};

arguments parse(int argc, char** argv) {
  arguments args;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mib") == 0) args.mib = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0)
      args.threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  return args;
}

// Values with a spread of exponents and both signs (xorshift64), written in place.
void fill(std::span<float> values) {
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  for (float& x : values) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const auto mantissa = static_cast<float>(state >> 40) / 16777216.0f;  // [0, 1)
    const auto exponent = static_cast<int>((state >> 8) & 15) - 8;
    x = ((state & 1) != 0 ? -1.0f : 1.0f) * (1.0f + mantissa) * static_cast<float>(1 << 8) /
        static_cast<float>(1 << (8 - exponent));
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const arguments args = parse(argc, argv);
  const std::vector<std::int64_t> shape{1, args.mib, 512, 512};
  const std::vector<std::int64_t> out_size{7, 7};
  const auto count = static_cast<std::size_t>(args.mib) * 512 * 512;
  void* mapping = mmap(nullptr, count * sizeof(float), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) {
    std::perror("stream_pool: mmap");
    return 1;
  }
  const std::span<float> input(static_cast<float*>(mapping), count);
  auto start = std::chrono::steady_clock::now();
  fill(input);
  const double fill_seconds = seconds_since(start);
  std::vector<float> output(static_cast<std::size_t>(args.mib) * 49);
  start = std::chrono::steady_clock::now();
  poolproof::engine::adaptive_avg_pool<float>(poolproof::reference::float_format::binary32, shape,
                                              input, out_size, output, args.threads);
  const double pool_seconds = seconds_since(start);
  double checksum = 0;
  for (float x : output) checksum += x;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("input %lld MiB float32 [1, %lld, 512, 512] -> 7x7, %u threads\n",
              static_cast<long long>(args.mib), static_cast<long long>(args.mib),
              poolproof::engine::resolve_threads(args.threads));
  std::printf("fill %.3f s, exact avg pool %.3f s (%.2f GB/s), checksum %.6g\n", fill_seconds,
              pool_seconds, static_cast<double>(count * sizeof(float)) / pool_seconds / 1e9,
              checksum);
  std::printf("max RSS %ld MiB (input %lld MiB)\n", usage.ru_maxrss / 1024,
              static_cast<long long>(args.mib));
  munmap(mapping, count * sizeof(float));
  return 0;
}
