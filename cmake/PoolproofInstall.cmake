# `cmake --install`: the libraries, their public headers (<poolproof/LIBRARY/...>), the two
# programs, a CMake package (find_package(poolproof) gives poolproof::common, ::reference,
# ::engine, ::solver, ::golden) and one pkg-config file per library.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(poolproof_installed common reference engine solver golden)
set(poolproof_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/poolproof)
list(TRANSFORM poolproof_installed PREPEND poolproof_ OUTPUT_VARIABLE poolproof_installed_targets)

install(TARGETS ${poolproof_installed_targets} EXPORT poolproofTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS prove_equivalence golden RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT poolproofTargets NAMESPACE poolproof:: DESTINATION ${poolproof_cmake_dir})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/poolproofConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/poolproofConfig.cmake
                              INSTALL_DESTINATION ${poolproof_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/poolproofConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
# Debian ships GMP, Z3, xxhash and nettle with pkg-config only: the package carries our find modules.
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/poolproofConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/poolproofConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/FindGMP.cmake ${CMAKE_CURRENT_LIST_DIR}/FindZ3.cmake
              ${CMAKE_CURRENT_LIST_DIR}/Findxxhash.cmake ${CMAKE_CURRENT_LIST_DIR}/Findnettle.cmake
        DESTINATION ${poolproof_cmake_dir})

# pkg-config: Requires names our own libraries and the system packages a consumer compiles
# against; Requires.private what a static link needs beyond them (`pkg-config --static`), and an
# optional fifth argument the libraries without a .pc file it needs (the OpenMP runtime).
function(poolproof_pkg_config name description requires requires_private)
  set(PC_NAME poolproof-${name})
  set(PC_DESCRIPTION "${description}")
  set(PC_REQUIRES "${requires}")
  set(PC_REQUIRES_PRIVATE "${requires_private}")
  set(PC_LIBS_PRIVATE "${ARGN}")
  set(PC_LIB poolproof_${name})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/poolproof.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/poolproof-${name}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/poolproof-${name}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
poolproof_pkg_config(common "poolproof shared utilities: errors, atomic files, 128-bit integers"
                     "" "")
poolproof_pkg_config(reference "poolproof exact specification of adaptive pooling"
                     "poolproof-common, gmp" "")
# The OpenMP runtime the engine was built against (GCC: gomp and pthread; clang: omp).
set(poolproof_openmp_libs "")
foreach(library IN LISTS OpenMP_CXX_LIB_NAMES)
  string(APPEND poolproof_openmp_libs " -l${library}")
endforeach()
string(STRIP "${poolproof_openmp_libs}" poolproof_openmp_libs)
poolproof_pkg_config(engine "poolproof fast exact adaptive pooling engine"
                     "poolproof-reference" "" "${poolproof_openmp_libs}")
poolproof_pkg_config(solver "poolproof equivalence prover (Z3)"
                     "poolproof-reference" "z3, fmt, nlohmann_json")
poolproof_pkg_config(golden "poolproof golden suite reader, generator and checker"
                     "poolproof-reference"
                     "poolproof-engine, tbb, nettle, libxxhash, fmt, nlohmann_json")
