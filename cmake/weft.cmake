# Helpers shared by every folder's CMakeLists.txt.

set(WEFT_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# weft_library(NAME [DEPS lib...]): a static library from the *.cpp of the current folder.
# A folder with no sources yet gives an INTERFACE library, so dependents can link it already.
function(weft_library name)
  cmake_parse_arguments(W "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_compile_options(${name} PRIVATE ${WEFT_WARNINGS})
    target_link_libraries(${name} PUBLIC ${W_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${W_DEPS})
  endif()
endfunction()

# weft_unit_test(NAME DEPS lib...): a gtest executable from tests/unit/NAME/*.cpp.
function(weft_unit_test name)
  cmake_parse_arguments(W "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/${name}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(unit_${name} ${srcs})
  set_target_properties(unit_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(unit_${name} PRIVATE ${WEFT_WARNINGS})
  target_compile_definitions(unit_${name} PRIVATE WEFT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                             WEFT_BINARY="${CMAKE_BINARY_DIR}/weft")
  target_link_libraries(unit_${name} PRIVATE ${W_DEPS} GTest::gtest GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(unit_${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
