// gtest printers for reference types, so failed assertions show values rather than raw bytes.
#pragma once

#include <ostream>

#include "reference/adaptive_window.h"
#include "reference/exact_number.h"

namespace poolproof {

inline void PrintTo(const extended_rational& x, std::ostream* os) { *os << to_string(x); }

inline void PrintTo(const window& w, std::ostream* os) {
  *os << "[" << w.begin << "," << w.end << ")";
}

}  // namespace poolproof
