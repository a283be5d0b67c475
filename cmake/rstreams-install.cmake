# install + export + package config, so that find_package(rstreams CONFIG [COMPONENTS ...])
# works, plus pkg-config files (rstreams.pc, rstreams-<part>.pc) for other build systems.
include(CMakePackageConfigHelpers)
set(RSTREAMS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rstreams)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rstreams DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# One export file per part, so that the installed package loads a part only when the
# consumer's machine has its dependencies (rstreamsConfig.cmake checks them first).
install(TARGETS rstreams EXPORT rstreamsTargets)
install(EXPORT rstreamsTargets NAMESPACE rstreams:: DESTINATION ${RSTREAMS_CMAKE_DIR})
export(EXPORT rstreamsTargets NAMESPACE rstreams:: FILE ${PROJECT_BINARY_DIR}/rstreamsTargets.cmake)
set(RSTREAMS_BUILT_PARTS)
foreach(part IN LISTS RSTREAMS_PARTS)
  if(TARGET rstreams_${part})
    list(APPEND RSTREAMS_BUILT_PARTS ${part})
    install(TARGETS rstreams_${part} EXPORT rstreams-${part}-targets)
    install(EXPORT rstreams-${part}-targets NAMESPACE rstreams:: DESTINATION ${RSTREAMS_CMAKE_DIR})
    export(EXPORT rstreams-${part}-targets NAMESPACE rstreams::
           FILE ${PROJECT_BINARY_DIR}/rstreams-${part}-targets.cmake)
  endif()
endforeach()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rstreamsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rstreamsConfig.cmake
  INSTALL_DESTINATION ${RSTREAMS_CMAKE_DIR})
# 0.x: a minor version may break the interface, so 0.1 accepts only 0.1.z.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(compatibility SameMinorVersion)
else()
  set(compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rstreamsConfigVersion.cmake
  COMPATIBILITY ${compatibility} ARCH_INDEPENDENT)
install(FILES
  ${PROJECT_BINARY_DIR}/rstreamsConfig.cmake
  ${PROJECT_BINARY_DIR}/rstreamsConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/rstreams-dependencies.cmake
  ${PROJECT_SOURCE_DIR}/cmake/rstreams_parts.cmake
  DESTINATION ${RSTREAMS_CMAKE_DIR})
# The same package in the build tree, so find_package(rstreams) works with
# -Drstreams_DIR=<build dir> before any install.
foreach(f rstreams-dependencies.cmake rstreams_parts.cmake)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${f} ${PROJECT_BINARY_DIR}/${f} COPYONLY)
endforeach()

# pkg-config: rstreams.pc is the core; rstreams-<part>.pc Requires the core, the parts it
# builds on and the dependencies' own .pc files (range-v3 ships none on Debian: its headers
# are in the default include path). Header-only, so they go to share/pkgconfig.
set(pc_dir ${CMAKE_INSTALL_DATADIR}/pkgconfig)
file(RELATIVE_PATH pc_to_prefix /${pc_dir} /)  # e.g. ../../
string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
set(pc_head "prefix=\${pcfiledir}/${pc_to_prefix}\nincludedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n\n")
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/pkgconfig/rstreams.pc CONTENT
  "${pc_head}Name: rstreams\nDescription: ${PROJECT_DESCRIPTION}\nVersion: ${PROJECT_VERSION}\nCflags: -std=c++20 -pthread -I\${includedir}\nLibs: -pthread\n" @ONLY)
set(pc_files ${PROJECT_BINARY_DIR}/pkgconfig/rstreams.pc)
foreach(part IN LISTS RSTREAMS_BUILT_PARTS)
  set(requires rstreams)
  foreach(p IN LISTS rstreams_part_${part}_PARTS)
    list(APPEND requires rstreams-${p})
  endforeach()
  foreach(d IN LISTS rstreams_part_${part}_DEPENDS)
    if(rstreams_dep_${d}_PKGCONFIG)
      list(APPEND requires ${rstreams_dep_${d}_PKGCONFIG})
    endif()
  endforeach()
  string(REPLACE ";" ", " requires "${requires}")
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/pkgconfig/rstreams-${part}.pc CONTENT
    "${pc_head}Name: rstreams-${part}\nDescription: rstreams: ${rstreams_part_${part}_SUMMARY}\nVersion: ${PROJECT_VERSION}\nRequires: ${requires}\n" @ONLY)
  list(APPEND pc_files ${PROJECT_BINARY_DIR}/pkgconfig/rstreams-${part}.pc)
endforeach()
install(FILES ${pc_files} DESTINATION ${pc_dir})
