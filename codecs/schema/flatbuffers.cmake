# FlatBuffers code generation for codecs/schema/*.fbs (included by the top-level CMakeLists.txt).
#
# Each schema X.fbs becomes ${CMAKE_BINARY_DIR}/generated/codecs/schema/X_generated.h, included as
# "codecs/schema/X_generated.h". The flatc path is also handed to sluice_codecs users as
# SLUICE_FLATC so `sluice schema check` can run `flatc --conform`.
find_program(SLUICE_FLATC_EXECUTABLE NAMES flatc HINTS /usr/bin)
if(NOT SLUICE_FLATC_EXECUTABLE)
  message(FATAL_ERROR "flatc (Debian package flatbuffers-compiler) is required")
endif()

set(_sluice_fbs_out ${CMAKE_BINARY_DIR}/generated/codecs/schema)
file(GLOB _sluice_fbs CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.fbs)
set(_sluice_fbs_headers)
foreach(_fbs ${_sluice_fbs})
  get_filename_component(_name ${_fbs} NAME_WE)
  set(_hdr ${_sluice_fbs_out}/${_name}_generated.h)
  add_custom_command(
    OUTPUT ${_hdr}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_sluice_fbs_out}
    COMMAND ${SLUICE_FLATC_EXECUTABLE} --cpp --scoped-enums -o ${_sluice_fbs_out} ${_fbs}
    DEPENDS ${_fbs}
    COMMENT "flatc ${_name}.fbs"
    VERBATIM)
  list(APPEND _sluice_fbs_headers ${_hdr})
endforeach()

add_custom_target(sluice_flatbuffers_generated DEPENDS ${_sluice_fbs_headers})
add_dependencies(sluice_codecs sluice_flatbuffers_generated)
target_link_libraries(sluice_codecs PUBLIC flatbuffers::flatbuffers)
target_compile_definitions(sluice_codecs PUBLIC SLUICE_FLATC="${SLUICE_FLATC_EXECUTABLE}")
