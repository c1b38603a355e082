// The registered families, in pool_family order: adding a family adds its line here.
#include <poolproof/common/error.h>

#include <array>
#include <type_traits>
#include <variant>

#include "solver/families/family_unit.h"

namespace poolproof::solver::detail {

const family_unit& pytorch_family();
const family_unit& onnx_family();
const family_unit& tflite_family();

namespace {

// A family in the variant without its line here (or the reverse) does not compile.
const auto& registered() {
  static const auto units = std::to_array<const family_unit*>({
      &pytorch_family(),
      &onnx_family(),
      &tflite_family(),
  });
  static_assert(
      std::tuple_size_v<std::remove_const_t<decltype(units)>> == std::variant_size_v<family_params>,
      "register every family of family_params, in its order");
  return units;
}

}  // namespace

const family_unit& unit_of(pool_family family) {
  const auto index = static_cast<std::size_t>(family);
  POOLPROOF_CHECK(index < registered().size() && registered()[index] != nullptr);
  const family_unit& unit = *registered()[index];
  POOLPROOF_CHECK(unit.id() == family);
  return unit;
}

std::span<const family_unit* const> all_units() { return registered(); }

}  // namespace poolproof::solver::detail
