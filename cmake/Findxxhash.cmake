# libxxhash (XXH3-128, the golden suite's fast file digest); Debian ships it with pkg-config only.
find_package(PkgConfig REQUIRED)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)
if(NOT TARGET xxhash::xxhash)
  add_library(xxhash::xxhash INTERFACE IMPORTED)
  target_link_libraries(xxhash::xxhash INTERFACE PkgConfig::xxhash)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxhash REQUIRED_VARS xxhash_LIBRARIES VERSION_VAR xxhash_VERSION)
