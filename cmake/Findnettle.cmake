# Nettle (SHA-256, the golden suite's cryptographic file digest): a small library whose loading
# costs a process far less than libcrypto's. Debian ships it with pkg-config only.
find_package(PkgConfig REQUIRED)
pkg_check_modules(nettle REQUIRED IMPORTED_TARGET nettle)
if(NOT TARGET nettle::nettle)
  add_library(nettle::nettle INTERFACE IMPORTED)
  target_link_libraries(nettle::nettle INTERFACE PkgConfig::nettle)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(nettle REQUIRED_VARS nettle_LIBRARIES VERSION_VAR nettle_VERSION)
