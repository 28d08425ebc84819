# Packaging and documentation tests (included from tests/CMakeLists.txt):
#   package_consumers  install into a temporary prefix, build and run the C
#                      and C++ consumers via pkg-config and find_package
#   package_symbols    the shared library exports exactly the RT_API functions
#   docs_build         Doxygen builds the API reference without a warning
#   doc_examples       the C examples in README.md and docs/*.md compile and run
#   man_page           docs/runtime-tracing.1 lists the commands of --help
# The C++ consumer needs a C++ compiler of the same family as the C one (a
# sanitized library needs its own runtime): take clang++ next to clang,
# g++ next to gcc, unless CMAKE_CXX_COMPILER was given.
if(NOT CMAKE_CXX_COMPILER)
  get_filename_component(_rt_cc_dir ${CMAKE_C_COMPILER} DIRECTORY)
  get_filename_component(_rt_cc_name ${CMAKE_C_COMPILER} NAME)
  string(REGEX REPLACE "^clang" "clang++" _rt_cxx_name ${_rt_cc_name})
  string(REGEX REPLACE "^gcc" "g++" _rt_cxx_name ${_rt_cxx_name})
  if(NOT _rt_cxx_name STREQUAL _rt_cc_name AND EXISTS ${_rt_cc_dir}/${_rt_cxx_name})
    set(CMAKE_CXX_COMPILER ${_rt_cc_dir}/${_rt_cxx_name})
  endif()
endif()
enable_language(CXX)

# The public header compiles as C++ with the project's warnings (-Werror):
# checked at build time, not only in the consumer test.
add_executable(header_cxx_check consumers/consumer.cpp)
set_target_properties(header_cxx_check PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
                      CXX_EXTENSIONS OFF)
target_link_libraries(header_cxx_check PRIVATE runtime_tracing_shared)

set(_rt_san_flags "")
if(RT_SANITIZE)
  # The instrumented library needs the sanitizer runtime in its consumers.
  set(_rt_san_flags "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all")
endif()

add_test(NAME package_consumers
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/consumers/run.sh ${CMAKE_BINARY_DIR} ${PROJECT_VERSION}
          ${CMAKE_C_COMPILER} ${CMAKE_CXX_COMPILER} ${RT_FIXTURES_DIR} "${_rt_san_flags}")

add_test(NAME package_symbols
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_symbols.sh $<TARGET_FILE:runtime_tracing_shared>
          ${CMAKE_SOURCE_DIR}/include/runtime_tracing.h
          $<TARGET_SONAME_FILE_NAME:runtime_tracing_shared>)
set_tests_properties(package_symbols PROPERTIES
  ENVIRONMENT "NM=${CMAKE_NM};READELF=${CMAKE_READELF}")

add_test(NAME docs_build COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target docs)

string(JOIN " " _rt_doc_cflags -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_BINARY_DIR}/include
       ${_rt_san_flags})
string(JOIN " " _rt_doc_libs $<TARGET_FILE:runtime_tracing_static> ${ZSTD_LDFLAGS}
       ${CJSON_LDFLAGS} ${PCRE2_LDFLAGS} -lpthread -lm ${_rt_san_flags})
add_test(NAME doc_examples
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_doc_examples.sh ${CMAKE_SOURCE_DIR}
          ${CMAKE_C_COMPILER} "${_rt_doc_cflags}" "${_rt_doc_libs}" ${RT_FIXTURES_DIR})

add_test(NAME man_page
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_man_page.sh $<TARGET_FILE:runtime-tracing>
          ${CMAKE_SOURCE_DIR}/docs/runtime-tracing.1 ${PROJECT_VERSION})
