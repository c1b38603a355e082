// The fast engine's shared plane machinery: argument checks, the (remembered) geometry, the
// split of planes over an OpenMP team, and round_scaled_quotient's format dispatch.
#include "engine/planes.h"

#include <omp.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/tensor.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <utility>

namespace poolproof::engine {
namespace detail {
namespace {

template <element T>
void require_format(reference::float_format format) {
  const bool matches = std::same_as<T, float>    ? format == reference::float_format::binary32
                       : std::same_as<T, double> ? format == reference::float_format::binary64
                                                 : format == reference::float_format::binary16 ||
                                                       format == reference::float_format::bfloat16;
  if (!matches) {
    throw common::input_error("fast pooling: element type does not hold " +
                              std::string(reference::format_name(format)));
  }
}

void require_length(std::size_t got, std::span<const std::int64_t> shape, const char* what) {
  const std::int64_t want = reference::element_count(shape);
  if (static_cast<std::int64_t>(got) != want) {
    throw common::input_error(std::string(what) + " holds " + std::to_string(got) +
                              " values but its shape has " + std::to_string(want));
  }
}

}  // namespace

template <element T>
geometry checked_geometry(reference::float_format format, std::span<const std::int64_t> input_shape,
                          std::span<const std::int64_t> out_size, std::size_t in_count,
                          std::size_t out_count) {
  require_format<T>(format);
  const std::vector<std::int64_t> out_shape =
      reference::adaptive_output_shape(input_shape, out_size);
  require_length(in_count, input_shape, "input");
  require_length(out_count, out_shape, "output");
  const reference::pooling_layout layout =
      reference::split_pooling_shape(input_shape, out_size.size());
  geometry g;
  g.planes = layout.planes;
  const std::size_t skip = 3 - out_size.size();
  for (std::size_t axis = 0; axis < 3; ++axis) {
    if (axis >= skip) {
      g.in[axis] = layout.spatial[axis - skip];
      g.out[axis] = out_size[axis - skip];
    }
    g.windows[axis] = reference::adaptive_windows(g.in[axis], g.out[axis]);
  }
  g.in_plane = g.in[0] * g.in[1] * g.in[2];
  g.out_plane = g.out[0] * g.out[1] * g.out[2];
  g.largest_window = 1;
  for (const auto& axis_windows : g.windows) {
    std::int64_t longest = 0;
    for (const reference::window& w : axis_windows) longest = std::max(longest, w.length());
    g.largest_window *= longest;
  }
  return g;
}

namespace {

// libgomp's threads do not survive fork(): in a child of a process that had started a team (the
// engine's, or one of another user of the runtime, such as PyTorch), the next team waits for
// threads that no longer exist (a Python child of a parent that had pooled on two threads hung).
// Such a child runs its planes on the calling thread. The handler is registered when the program
// starts, before anyone can start a team; should that fail, every call runs on its caller.
std::atomic<bool> teams_unsafe{false};

void mark_teams_unsafe() noexcept { teams_unsafe.store(true, std::memory_order_relaxed); }

[[maybe_unused]] const bool fork_handler_registered = [] {
  const bool registered = pthread_atfork(nullptr, nullptr, mark_teams_unsafe) == 0;
  if (!registered) mark_teams_unsafe();
  return registered;
}();

// One OpenMP team of `workers` threads, the caller among them, each taking one range. Its threads
// wait spinning for a few milliseconds after a region before they sleep, so calls a little apart
// find them awake; oneTBB's workers left the arena at once and, woken on every call, joined a
// sub-millisecond call late or not at all on this virtual machine. A team cannot throw out of its
// region: the first exception is kept and rethrown after it. The team may be smaller than asked
// (OMP_THREAD_LIMIT, a call from inside a parallel region): the ranges follow its actual size,
// and the planes done are counted, so that none can be skipped unnoticed.
void run_team(std::int64_t planes, std::int64_t workers,
              const std::function<void(std::int64_t, std::int64_t)>& work) {
  std::exception_ptr failure;
  std::atomic<std::int64_t> done{0};
  const int asked = static_cast<int>(workers);
#pragma omp parallel num_threads(asked)
  {
    const common::default_float_environment environment;
    const std::int64_t team = omp_get_num_threads(), w = omp_get_thread_num();
    const std::int64_t first = planes * w / team, end = planes * (w + 1) / team;
    try {
      work(first, end);
      done.fetch_add(end - first, std::memory_order_relaxed);
    } catch (...) {
#pragma omp critical(poolproof_parallel_planes)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  POOLPROOF_CHECK(done.load() == planes);
}

}  // namespace

void parallel_planes(std::int64_t planes, unsigned threads,
                     const std::function<void(std::int64_t, std::int64_t)>& work) {
  // At most one thread per core and per plane: a team's threads are threads of their own (one
  // pool per calling thread), each keeping its scratch.
  const auto workers = static_cast<std::int64_t>(std::min<std::uint64_t>(
      std::min(resolve_threads(threads), resolve_threads(0)), static_cast<std::uint64_t>(planes)));
  // Each worker thread has its own floating-point environment; the caller's entry point set
  // its own (the passes' entry points hold a default_float_environment).
  if (workers <= 1 || teams_unsafe.load(std::memory_order_relaxed)) {
    work(0, planes);
    return;
  }
  run_team(planes, workers, work);
}

template geometry checked_geometry<std::uint16_t>(reference::float_format,
                                                  std::span<const std::int64_t>,
                                                  std::span<const std::int64_t>, std::size_t,
                                                  std::size_t);
template geometry checked_geometry<float>(reference::float_format, std::span<const std::int64_t>,
                                          std::span<const std::int64_t>, std::size_t, std::size_t);
template geometry checked_geometry<double>(reference::float_format, std::span<const std::int64_t>,
                                           std::span<const std::int64_t>, std::size_t, std::size_t);

// The geometry is a function of exactly these arguments, so reusing it checks and builds the same.
template <element T>
const geometry& remembered_geometry(reference::float_format format,
                                    std::span<const std::int64_t> input_shape,
                                    std::span<const std::int64_t> out_size, std::size_t in_count,
                                    std::size_t out_count) {
  struct memo {
    bool valid = false;
    reference::float_format format{};
    std::vector<std::int64_t> input_shape, out_size;
    std::size_t in_count = 0, out_count = 0;
    geometry g;
  };
  thread_local memo last;
  if (!last.valid || last.format != format || last.in_count != in_count ||
      last.out_count != out_count || !std::ranges::equal(last.input_shape, input_shape) ||
      !std::ranges::equal(last.out_size, out_size)) {
    geometry g = checked_geometry<T>(format, input_shape, out_size, in_count, out_count);
    last = {true,
            format,
            {input_shape.begin(), input_shape.end()},
            {out_size.begin(), out_size.end()},
            in_count,
            out_count,
            std::move(g)};
  }
  return last.g;
}

template const geometry& remembered_geometry<std::uint16_t>(reference::float_format,
                                                            std::span<const std::int64_t>,
                                                            std::span<const std::int64_t>,
                                                            std::size_t, std::size_t);
template const geometry& remembered_geometry<float>(reference::float_format,
                                                    std::span<const std::int64_t>,
                                                    std::span<const std::int64_t>, std::size_t,
                                                    std::size_t);
template const geometry& remembered_geometry<double>(reference::float_format,
                                                     std::span<const std::int64_t>,
                                                     std::span<const std::int64_t>, std::size_t,
                                                     std::size_t);

}  // namespace detail

unsigned resolve_threads(unsigned threads) {
  // Counted once: hardware_concurrency() opens and reads a /sys file on every call, three system
  // calls that doubled the time of a 6 us pooling when every call asked (perf, strace).
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return threads != 0 ? threads : cores;
}

std::uint64_t round_scaled_quotient(reference::float_format format, bool negative,
                                    fast_uint128 magnitude, int exponent, std::uint64_t divisor) {
  POOLPROOF_CHECK(divisor >= 1 && divisor < (std::uint64_t{1} << 62));
  POOLPROOF_CHECK(magnitude < (fast_uint128{1} << 127));
  std::uint64_t bits = 0;
  auto round = [&](auto traits) {
    using F = decltype(traits);
    bits = detail::round_quotient<F>(negative, magnitude, exponent, divisor);
  };
  switch (format) {
    case reference::float_format::binary16:
      round(detail::binary16_traits{});
      break;
    case reference::float_format::bfloat16:
      round(detail::bfloat16_traits{});
      break;
    case reference::float_format::binary32:
      round(detail::binary32_traits{});
      break;
    case reference::float_format::binary64:
      round(detail::binary64_traits{});
      break;
  }
  return bits;
}

}  // namespace poolproof::engine
