# GMP backs Boost.Multiprecision's mpq_rational; Debian ships it with pkg-config only.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GMP REQUIRED IMPORTED_TARGET gmp)
if(NOT TARGET GMP::gmp)
  add_library(GMP::gmp INTERFACE IMPORTED)
  target_link_libraries(GMP::gmp INTERFACE PkgConfig::GMP)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(GMP REQUIRED_VARS GMP_LIBRARIES VERSION_VAR GMP_VERSION)
