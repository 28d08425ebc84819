# API documentation: `cmake --build build --target docs` runs Doxygen on the
# public header and writes build/docs/html/. Warnings (an undocumented public
# symbol, a broken reference) fail the target.
find_package(Doxygen QUIET)
if(DOXYGEN_EXECUTABLE)
  set(RT_DOXYGEN_EXECUTABLE ${DOXYGEN_EXECUTABLE})
  configure_file(${CMAKE_SOURCE_DIR}/docs/Doxyfile.in ${CMAKE_BINARY_DIR}/docs/Doxyfile @ONLY)
  add_custom_target(docs
    COMMAND ${DOXYGEN_EXECUTABLE} ${CMAKE_BINARY_DIR}/docs/Doxyfile
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/docs
    COMMENT "Doxygen: API documentation into ${CMAKE_BINARY_DIR}/docs/html"
    VERBATIM)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "doxygen not found: run scripts/install-deps.sh"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
