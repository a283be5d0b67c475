# install + export + package config, so that find_package(rstreams CONFIG) works.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rstreams DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${RSTREAMS_EXPORTED} EXPORT rstreamsTargets)
install(EXPORT rstreamsTargets NAMESPACE rstreams:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rstreams)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rstreamsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rstreamsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rstreams)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rstreamsConfigVersion.cmake
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES
  ${PROJECT_BINARY_DIR}/rstreamsConfig.cmake
  ${PROJECT_BINARY_DIR}/rstreamsConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/rstreams-dependencies.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rstreams)

# The same package in the build tree, so find_package(rstreams) works with
# -Drstreams_DIR=<build dir> before any install.
export(EXPORT rstreamsTargets NAMESPACE rstreams:: FILE ${PROJECT_BINARY_DIR}/rstreamsTargets.cmake)
configure_file(${PROJECT_SOURCE_DIR}/cmake/rstreams-dependencies.cmake
  ${PROJECT_BINARY_DIR}/rstreams-dependencies.cmake COPYONLY)
