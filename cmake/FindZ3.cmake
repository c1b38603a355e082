# Debian's libz3-dev ships pkg-config metadata but no CMake package config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(Z3 REQUIRED IMPORTED_TARGET z3)
if(NOT TARGET Z3::z3)
  add_library(Z3::z3 INTERFACE IMPORTED)
  target_link_libraries(Z3::z3 INTERFACE PkgConfig::Z3)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Z3 REQUIRED_VARS Z3_LIBRARIES VERSION_VAR Z3_VERSION)
