// gtest printers for reference types, so failed assertions show values rather than raw bytes.
#pragma once

#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/exact_number.h>

#include <ostream>

namespace poolproof::reference {

inline void PrintTo(const extended_rational& x, std::ostream* os) { *os << to_string(x); }

inline void PrintTo(const window& w, std::ostream* os) {
  *os << "[" << w.begin << "," << w.end << ")";
}

}  // namespace poolproof::reference
