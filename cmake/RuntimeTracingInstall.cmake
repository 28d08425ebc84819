# Install rules: headers, static and shared libraries, the runtime-tracing
# tool and its man page, a pkg-config file and a CMake package
# (find_package(runtime_tracing CONFIG) -> runtime_tracing::runtime_tracing,
# runtime_tracing::runtime_tracing_static). Included by the top-level
# CMakeLists.txt after the targets are defined.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/runtime_tracing
    CACHE STRING "Where the CMake package files are installed (relative to the prefix)")
set(RT_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    CACHE STRING "Where runtime_tracing.pc is installed (relative to the prefix)")

# Consumers see runtime_tracing::runtime_tracing (shared, the usual choice)
# and runtime_tracing::runtime_tracing_static.
set_target_properties(runtime_tracing_shared PROPERTIES EXPORT_NAME runtime_tracing)
set_target_properties(runtime_tracing_static PROPERTIES EXPORT_NAME runtime_tracing_static)

install(FILES ${CMAKE_SOURCE_DIR}/include/runtime_tracing.h
              ${CMAKE_BINARY_DIR}/include/runtime_tracing_version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)

install(TARGETS runtime_tracing_shared runtime_tracing_static
        EXPORT runtime_tracing_targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
                NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

install(TARGETS runtime-tracing RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
if(EXISTS ${CMAKE_SOURCE_DIR}/docs/runtime-tracing.1)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/runtime-tracing.1
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
endif()

# CMake package.
install(EXPORT runtime_tracing_targets NAMESPACE runtime_tracing::
        FILE runtime_tracingTargets.cmake DESTINATION ${RT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/runtime_tracingConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/runtime_tracingConfig.cmake
  INSTALL_DESTINATION ${RT_CMAKE_DIR})
# 0.x: minor versions may break the API, so only the same minor is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/runtime_tracingConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/runtime_tracingConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/runtime_tracingConfigVersion.cmake
        DESTINATION ${RT_CMAKE_DIR} COMPONENT dev)

# pkg-config: relocatable (prefix found from the .pc file's own directory),
# so `cmake --install build --prefix DIR` works for any DIR.
file(RELATIVE_PATH RT_PC_TO_PREFIX /prefix/${RT_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" RT_PC_TO_PREFIX "${RT_PC_TO_PREFIX}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/runtime_tracing.pc.in
               ${CMAKE_BINARY_DIR}/cmake/runtime_tracing.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/runtime_tracing.pc
        DESTINATION ${RT_PKGCONFIG_DIR} COMPONENT dev)

install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)
