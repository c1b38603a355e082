# One function declares every poolproof library the same way: target poolproof_<name>, alias and
# export name poolproof::<name>, public headers under <name>/include/poolproof/<name>/ (a file set,
# installed as <poolproof/<name>/...>), private headers beside the sources, which include them as
# "<name>/x.h" through the project root on the private include path only.
function(poolproof_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES")
  set(target poolproof_${name})
  add_library(${target} ${arg_SOURCES})
  add_library(poolproof::${name} ALIAS ${target})
  file(GLOB_RECURSE public_headers CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/include/poolproof/${name}/*.h)
  target_sources(${target} PUBLIC FILE_SET HEADERS BASE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/include
                                  FILES ${public_headers})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  # Static and position-independent, so a program and the Python module can both link it.
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  poolproof_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY POOLPROOF_LIBRARIES ${target})
endfunction()
