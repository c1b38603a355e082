#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/closed_form.h>

#include "solver/families/family_unit.h"

namespace poolproof::solver {

const char* branch_name(closed_form_branch branch) {
  switch (branch) {
    case closed_form_branch::divisible:
      return "divisible";
    case closed_form_branch::remainder_one:
      return "n=1 mod m";
    case closed_form_branch::remainder_minus:
      return "n=-1 mod m";
    case closed_form_branch::input_one:
      return "n=1";
    case closed_form_branch::none:
      return "none";
  }
  common::check_failed("a closed_form_branch without a name", __FILE__, __LINE__);
}

closed_form_answer closed_form(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                               pool_family family) {
  reference::require_valid_size(n, "input size");
  reference::require_valid_size(m, "output size");
  return detail::unit_of(family).closed_form(n, m, kind);
}

}  // namespace poolproof::solver
