# Warnings apply to our own targets only; imported targets are SYSTEM so their headers stay quiet.
option(POOLPROOF_WERROR "Treat compiler warnings as errors" OFF)

function(poolproof_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wsign-conversion)
  if(POOLPROOF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
