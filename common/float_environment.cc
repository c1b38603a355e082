// The default floating-point environment for the engine's passes and the checker's sums. On x86 SSE
// arithmetic obeys MXCSR alone (the engine uses no x87 arithmetic), and flush-to-zero and
// denormals-are-zero live only there, outside <cfenv>; elsewhere <cfenv>'s rounding mode and traps
// are the whole story.
#include <poolproof/common/float_environment.h>

#ifdef POOLPROOF_COMMON_MXCSR
#include <xmmintrin.h>
#endif

namespace poolproof::common {

#ifdef POOLPROOF_COMMON_MXCSR
namespace {
// MXCSR at reset: every exception masked, round to nearest, FTZ and DAZ off, no flags.
constexpr unsigned default_mxcsr = 0x1F80U;
}  // namespace

default_float_environment::default_float_environment() : saved_(_mm_getcsr()) {
  _mm_setcsr(default_mxcsr);
}

default_float_environment::~default_float_environment() { _mm_setcsr(saved_); }
#else
default_float_environment::default_float_environment() : saved_() {
  std::feholdexcept(&saved_);
  std::fesetround(FE_TONEAREST);
}

default_float_environment::~default_float_environment() { std::fesetenv(&saved_); }
#endif

}  // namespace poolproof::common
