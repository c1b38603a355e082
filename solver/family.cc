// The public face of the families: each question goes to the family's unit.
#include <poolproof/common/error.h>
#include <poolproof/solver/family.h>

#include "solver/families/family_unit.h"

namespace poolproof::solver {

std::vector<pool_family> all_families() {
  std::vector<pool_family> families;
  for (const detail::family_unit* unit : detail::all_units()) families.push_back(unit->id());
  return families;
}

const char* pool_family_name(pool_family family) { return detail::unit_of(family).target_name(); }

std::string pool_family_names() {
  std::string names;
  for (const detail::family_unit* unit : detail::all_units())
    names += (names.empty() ? "" : ", ") + std::string(unit->target_name());
  return names;
}

pool_family parse_pool_family(std::string_view name) {
  for (const detail::family_unit* unit : detail::all_units()) {
    if (name == unit->target_name()) return unit->id();
  }
  throw common::input_error("target '" + std::string(name) + "' is not " + pool_family_names() +
                            " or all");
}

pool_family family_of(const family_params& params) {
  return static_cast<pool_family>(params.index());
}

std::optional<std::string> family_mismatch(std::int64_t n, std::int64_t m,
                                           const family_params& params, reference::pool_kind kind,
                                           std::span<const std::int64_t> outputs) {
  return detail::unit_of(params).mismatch(n, m, params, kind, outputs);
}

void require_valid_family_params(const family_params& params, reference::pool_kind kind) {
  detail::unit_of(params).require_valid(params, kind);
}

reference::pool_geometry family_geometry(std::int64_t n, const family_params& params,
                                         reference::pool_kind kind) {
  return detail::unit_of(params).geometry(n, params, kind);
}

}  // namespace poolproof::solver
