# One step of the package-consumer tests (tests/CMakeLists.txt runs each as a ctest test;
# `install` is the fixture the others need):
#   install       configure rstreams alone (no tests) and install it into WORK_DIR/prefix
#   find_package  find_package(... COMPONENTS json) on the install: build and run the apps
#   build_tree    the same through -Drstreams_DIR=<rstreams build dir>
#   missing       a missing component's error names it and its Debian package; no
#                 rstreams::postgres without libpq; version compatibility
#   subdirectory  add_subdirectory(rstreams)
#   pkg_config    a plain compiler command line: c++ app.cpp $(pkg-config --cflags --libs ...)
# Variables: STEP, SOURCE_DIR, WORK_DIR, CXX.
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test step failed: ${ARGN}\n${out}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(common -G Ninja -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Debug)
set(here ${SOURCE_DIR}/tests/consumer)
set(out ${WORK_DIR}/${STEP})
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})

# configure_build_run(source-dir extra-cmake-args...): the find_package/subdirectory apps.
macro(configure_build_run src)
  step(${CMAKE_COMMAND} -S ${src} -B ${out}/build ${common} ${ARGN})
  step(${CMAKE_COMMAND} --build ${out}/build)
  step(${out}/build/app)
  if(EXISTS ${out}/build/files_app)
    step(${out}/build/files_app ${out})
    step(${out}/build/json_app)
  endif()
endmacro()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${prefix} ${WORK_DIR}/lib)
  step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib ${common} -DCMAKE_INSTALL_PREFIX=${prefix}
       -DRSTREAMS_BUILD_TESTS=OFF -DRSTREAMS_BUILD_EXAMPLES=OFF -DRSTREAMS_BUILD_BENCHMARKS=OFF
       -DRSTREAMS_BUILD_TOOLS=OFF -DRSTREAMS_INSTALL=ON)
  step(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)
elseif(STEP STREQUAL "find_package")
  configure_build_run(${here}/find_package -DCMAKE_PREFIX_PATH=${prefix})
elseif(STEP STREQUAL "build_tree")
  configure_build_run(${here}/find_package -Drstreams_DIR=${WORK_DIR}/lib)
elseif(STEP STREQUAL "subdirectory")
  configure_build_run(${here}/subdirectory -DRSTREAMS_SOURCE_DIR=${SOURCE_DIR})
elseif(STEP STREQUAL "missing")
  set(no_libpq -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=TRUE)
  step(${CMAKE_COMMAND} -S ${here}/missing -B ${out}/loads ${common} ${no_libpq})
  foreach(part postgres nosuchpart)
    execute_process(COMMAND ${CMAKE_COMMAND} -S ${here}/missing -B ${out}/${part} ${common} ${no_libpq}
                            -DREQUESTED_PART=${part}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE text)
    if(part STREQUAL "postgres")
      set(expected "component postgres \\(rstreams::postgres\\): libpq not found on this machine \\(Debian: apt-get install libpq-dev\\)")
    else()
      set(expected "component nosuchpart: there is no such part \\(parts: ranges fmt json bus")
    endif()
    string(REGEX REPLACE "[ \t\r\n]+" " " flat "${text}")  # CMake wraps long messages
    if(rc EQUAL 0 OR NOT flat MATCHES "${expected}")
      message(FATAL_ERROR "asking for component ${part} should fail with\n  ${expected}\ngot (exit ${rc}):\n${text}")
    endif()
  endforeach()
elseif(STEP STREQUAL "pkg_config")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/share/pkgconfig)
  foreach(module rstreams rstreams-json)
    execute_process(COMMAND ${PKG_CONFIG} --cflags --libs ${module} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE flags_${module} ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config --cflags --libs ${module} failed: ${err}")
    endif()
  endforeach()
  # What a user types: c++ app.cpp $(pkg-config --cflags --libs rstreams-json) -o app
  separate_arguments(core UNIX_COMMAND "${flags_rstreams}")
  separate_arguments(json UNIX_COMMAND "${flags_rstreams-json}")
  step(${CXX} ${here}/files_app.cpp ${core} -o ${out}/files_app)
  step(${out}/files_app ${out})
  step(${CXX} ${here}/json_app.cpp ${json} -o ${out}/json_app)
  step(${out}/json_app)
else()
  message(FATAL_ERROR "run_consumer_tests.cmake: unknown STEP '${STEP}'")
endif()
message(STATUS "consumer ${STEP}: passed")
