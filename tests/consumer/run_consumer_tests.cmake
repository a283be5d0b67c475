# Installs rstreams into a scratch prefix, then configures, builds and runs tiny consumers:
# through find_package on the installed package, through find_package on the build tree,
# and through add_subdirectory.
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test step failed: ${ARGN}\n${out}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(common -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)

step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib ${common} -DCMAKE_INSTALL_PREFIX=${prefix}
     -DRSTREAMS_BUILD_TESTS=OFF -DRSTREAMS_BUILD_EXAMPLES=OFF -DRSTREAMS_BUILD_BENCHMARKS=OFF
     -DRSTREAMS_BUILD_TOOLS=OFF -DRSTREAMS_INSTALL=ON)
step(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)

set(here ${SOURCE_DIR}/tests/consumer)
step(${CMAKE_COMMAND} -S ${here}/find_package -B ${WORK_DIR}/fp ${common} -DCMAKE_PREFIX_PATH=${prefix})
step(${CMAKE_COMMAND} --build ${WORK_DIR}/fp)
step(${WORK_DIR}/fp/app)

step(${CMAKE_COMMAND} -S ${here}/find_package -B ${WORK_DIR}/bt ${common} -Drstreams_DIR=${WORK_DIR}/lib)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/bt)
step(${WORK_DIR}/bt/app)

step(${CMAKE_COMMAND} -S ${here}/subdirectory -B ${WORK_DIR}/sd ${common} -DRSTREAMS_SOURCE_DIR=${SOURCE_DIR})
step(${CMAKE_COMMAND} --build ${WORK_DIR}/sd)
step(${WORK_DIR}/sd/app)
message(STATUS "all three consumers built and ran")
