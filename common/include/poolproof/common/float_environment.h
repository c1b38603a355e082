// The floating-point environment the hardware arithmetic of the fast engine and the golden
// checker is exact under.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#define POOLPROOF_COMMON_MXCSR 1
#else
#include <cfenv>
#endif

namespace poolproof::common {

/// While alive, the calling thread computes in the default IEEE 754 environment: round to
/// nearest, subnormals kept (no flush-to-zero, no denormals-are-zero), no trapping. Every
/// rounding argument of the engine's hardware paths (and of the golden checker's double sums)
/// assumes it, while its caller may have
/// changed it (torch.set_flush_denormal, code built with -ffast-math, fesetround). Restores the
/// caller's environment, its status flags included, when destroyed.
class default_float_environment {
 public:
  default_float_environment();
  ~default_float_environment();
  default_float_environment(const default_float_environment&) = delete;
  default_float_environment& operator=(const default_float_environment&) = delete;

 private:
#ifdef POOLPROOF_COMMON_MXCSR
  unsigned saved_;
#else
  std::fenv_t saved_;
#endif
};

}  // namespace poolproof::common
