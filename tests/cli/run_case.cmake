# Runs one CLI case: checks the exit status, that the output matches PATTERN, and that an error
# is a single line.
separate_arguments(argument_list UNIX_COMMAND "${ARGUMENTS}")
execute_process(COMMAND ${PROGRAM} ${argument_list}
                WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 1800)
if(NOT status STREQUAL EXIT_CODE)
  message(FATAL_ERROR "exit status ${status}, expected ${EXIT_CODE}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT "${out}${err}" MATCHES "${PATTERN}")
  message(FATAL_ERROR "output does not match '${PATTERN}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(EXIT_CODE STREQUAL "2")
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines count)
  if(NOT count EQUAL 1 OR NOT out STREQUAL "")
    message(FATAL_ERROR "a bad argument must give exactly one line on stderr, got:\n${err}${out}")
  endif()
endif()
