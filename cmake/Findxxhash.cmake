# libxxhash (XXH3-128, the golden suite's fast file digest); Debian ships it with pkg-config only.
find_package(PkgConfig REQUIRED)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)
if(NOT TARGET xxhash::xxhash)
  add_library(xxhash::xxhash INTERFACE IMPORTED)
  target_link_libraries(xxhash::xxhash INTERFACE PkgConfig::xxhash)
endif()
# Whether the library has its x86 dispatching entry points (built with DISPATCH=1, as Debian's
# is): xxhash_X86_DISPATCH, for the golden library to hash with AVX2 or AVX-512 at run time.
include(CheckSymbolExists)
include(CMakePushCheckState)
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_INCLUDES ${xxhash_INCLUDE_DIRS})
set(CMAKE_REQUIRED_LIBRARIES ${xxhash_LINK_LIBRARIES})
set(CMAKE_REQUIRED_QUIET ON)
check_symbol_exists(XXH3_128bits_update_dispatch "xxhash.h;xxh_x86dispatch.h" xxhash_X86_DISPATCH)
cmake_pop_check_state()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxhash REQUIRED_VARS xxhash_LIBRARIES VERSION_VAR xxhash_VERSION)
