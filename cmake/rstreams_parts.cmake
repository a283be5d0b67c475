# The parts of rstreams and what each needs: the ONE table that the build (CMakeLists.txt), the
# installed package (rstreamsConfig.cmake), the pkg-config files and the header checks
# (tests/CMakeLists.txt) read. A part is an INTERFACE target rstreams::<part> and a
# find_package component; it exists only when every dependency it needs was found.
#
# Adding a dependency: one rstreams_dependency() line (and its find in
# rstreams-dependencies.cmake). Adding a part: one rstreams_part() line. Which part a header
# belongs to is not listed anywhere: rstreams_header_needs() reads the header's includes.

# rstreams_dependency(NAME TARGET target INCLUDE regex DEBIAN package [PKGCONFIG module])
# TARGET: the imported target that rstreams-dependencies.cmake defines when the dependency is
# found; INCLUDE: what an #include of it looks like; PKGCONFIG: its pkg-config module, when
# it ships one (the part's .pc file then Requires it).
set(RSTREAMS_DEPENDENCIES)
macro(rstreams_dependency name)
  cmake_parse_arguments(_rd "" "TARGET;INCLUDE;DEBIAN;PKGCONFIG" "" ${ARGN})
  list(APPEND RSTREAMS_DEPENDENCIES ${name})
  set(rstreams_dep_${name}_TARGET ${_rd_TARGET})
  set(rstreams_dep_${name}_INCLUDE "${_rd_INCLUDE}")
  set(rstreams_dep_${name}_DEBIAN ${_rd_DEBIAN})
  set(rstreams_dep_${name}_PKGCONFIG ${_rd_PKGCONFIG})
endmacro()

rstreams_dependency(range-v3      TARGET range-v3::range-v3           INCLUDE "^range/v3/"    DEBIAN librange-v3-dev)
rstreams_dependency(fmt           TARGET fmt::fmt                     INCLUDE "^fmt/"         DEBIAN libfmt-dev           PKGCONFIG fmt)
rstreams_dependency(nlohmann_json TARGET nlohmann_json::nlohmann_json INCLUDE "^nlohmann/"    DEBIAN nlohmann-json3-dev   PKGCONFIG nlohmann_json)
rstreams_dependency(zlib          TARGET ZLIB::ZLIB                   INCLUDE "^zlib[.]h$"     DEBIAN zlib1g-dev           PKGCONFIG zlib)
rstreams_dependency(curl          TARGET CURL::libcurl                INCLUDE "^curl/"        DEBIAN libcurl4-openssl-dev PKGCONFIG libcurl)
rstreams_dependency(sqlite3       TARGET SQLite::SQLite3              INCLUDE "^sqlite3[.]h$"  DEBIAN libsqlite3-dev       PKGCONFIG sqlite3)
rstreams_dependency(libpq         TARGET PostgreSQL::PostgreSQL       INCLUDE "^libpq-fe[.]h$" DEBIAN libpq-dev            PKGCONFIG libpq)
rstreams_dependency(libnats       TARGET PkgConfig::NATS              INCLUDE "^nats/"        DEBIAN libnats-dev          PKGCONFIG libnats)
rstreams_dependency(graphviz      TARGET PkgConfig::GVC               INCLUDE "^graphviz/"    DEBIAN libgraphviz-dev      PKGCONFIG libgvc)
rstreams_dependency(httplib       TARGET PkgConfig::HTTPLIB           INCLUDE "^httplib[.]h$"  DEBIAN libcpp-httplib-dev   PKGCONFIG cpp-httplib)

# rstreams_part(NAME [PARTS part...] DEPENDS dependency... SUMMARY text): the part links the
# core, the parts it builds on and its dependencies. Listed so that a part comes after the
# parts it builds on.
set(RSTREAMS_PARTS)
macro(rstreams_part name)
  cmake_parse_arguments(_rp "" "SUMMARY" "PARTS;DEPENDS" ${ARGN})
  list(APPEND RSTREAMS_PARTS ${name})
  set(rstreams_part_${name}_PARTS ${_rp_PARTS})
  set(rstreams_part_${name}_DEPENDS ${_rp_DEPENDS})
  set(rstreams_part_${name}_SUMMARY "${_rp_SUMMARY}")
endmacro()

rstreams_part(ranges   DEPENDS range-v3              SUMMARY "range-v3 interop")
rstreams_part(fmt      DEPENDS fmt                   SUMMARY "fmt formatting")
rstreams_part(json     DEPENDS nlohmann_json         SUMMARY "JSON codecs (parse, stringify)")
rstreams_part(bus      PARTS json fmt                SUMMARY "the event bus and its local backend")
rstreams_part(gzip     DEPENDS zlib                  SUMMARY "gzip, gunzip, .gz files")
rstreams_part(http     PARTS json DEPENDS curl       SUMMARY "HTTP connector")
rstreams_part(sqlite   DEPENDS sqlite3               SUMMARY "SQLite connector")
rstreams_part(postgres DEPENDS libpq                 SUMMARY "PostgreSQL connector")
rstreams_part(nats     PARTS bus DEPENDS libnats     SUMMARY "NATS JetStream bus backend")
rstreams_part(graphviz PARTS bus DEPENDS graphviz    SUMMARY "topology as SVG in-process (Graphviz)")
rstreams_part(dashboard PARTS bus DEPENDS httplib    SUMMARY "the live dashboard server and the /metrics endpoint")

# rstreams_part_all_dependencies(<part> <out>): the part's dependencies with those of the
# parts it builds on.
function(rstreams_part_all_dependencies part out)
  set(deps ${rstreams_part_${part}_DEPENDS})
  foreach(p IN LISTS rstreams_part_${part}_PARTS)
    rstreams_part_all_dependencies(${p} sub)
    list(APPEND deps ${sub})
  endforeach()
  list(REMOVE_DUPLICATES deps)
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

# rstreams_part_missing(<part> <out>): the part's dependencies whose target is not defined
# (not found on this machine); empty when the part can be used.
function(rstreams_part_missing part out)
  rstreams_part_all_dependencies(${part} deps)
  rstreams_missing_dependencies(missing ${deps})
  set(${out} ${missing} PARENT_SCOPE)
endfunction()

# rstreams_debian_packages(<out> dependency...): the Debian 12 packages that provide them.
function(rstreams_debian_packages out)
  set(pkgs)
  foreach(d IN LISTS ARGN)
    list(APPEND pkgs ${rstreams_dep_${d}_DEBIAN})
  endforeach()
  set(${out} ${pkgs} PARENT_SCOPE)
endfunction()

# rstreams_part_debian(<part> <out>): the Debian 12 packages that provide all the part's
# dependencies.
function(rstreams_part_debian part out)
  rstreams_part_all_dependencies(${part} deps)
  rstreams_debian_packages(pkgs ${deps})
  set(${out} ${pkgs} PARENT_SCOPE)
endfunction()

# --- Headers (source tree only) -----------------------------------------------------------
set(RSTREAMS_INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/../include)
get_filename_component(RSTREAMS_INCLUDE_DIR ${RSTREAMS_INCLUDE_DIR} ABSOLUTE)

# rstreams_header_needs(<header> <out>): the dependencies a public header (path relative to
# include/, e.g. rstreams/bus/read.hpp) includes, directly or through other rstreams headers.
function(rstreams_header_needs header out)
  string(MAKE_C_IDENTIFIER "${header}" id)
  get_property(known GLOBAL PROPERTY rstreams_needs_${id} SET)
  if(known)
    get_property(needs GLOBAL PROPERTY rstreams_needs_${id})
    set(${out} ${needs} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY rstreams_needs_${id} "")  # breaks include cycles
  rstreams_file_needs(${RSTREAMS_INCLUDE_DIR}/${header} needs)
  set_property(GLOBAL PROPERTY rstreams_needs_${id} "${needs}")
  set(${out} ${needs} PARENT_SCOPE)
endfunction()

# rstreams_file_needs(<file> <out>): the same for any source file (absolute path), e.g. a test.
function(rstreams_file_needs file out)
  set(needs)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*" "\\1" inc "${line}")
    if(inc MATCHES "^rstreams/")
      if(EXISTS ${RSTREAMS_INCLUDE_DIR}/${inc})
        rstreams_header_needs(${inc} sub)
        list(APPEND needs ${sub})
      endif()
    else()
      foreach(d IN LISTS RSTREAMS_DEPENDENCIES)
        if(inc MATCHES "${rstreams_dep_${d}_INCLUDE}")
          list(APPEND needs ${d})
        endif()
      endforeach()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES needs)
  set(${out} ${needs} PARENT_SCOPE)
endfunction()

# rstreams_missing_dependencies(<out> dependency...): those whose target is not defined.
function(rstreams_missing_dependencies out)
  set(missing)
  foreach(d IN LISTS ARGN)
    if(NOT TARGET ${rstreams_dep_${d}_TARGET})
      list(APPEND missing ${d})
    endif()
  endforeach()
  set(${out} ${missing} PARENT_SCOPE)
endfunction()

# rstreams_public_headers(<out>): every header under include/rstreams, relative to include/.
function(rstreams_public_headers out)
  set(regen CONFIGURE_DEPENDS)  # re-glob when a header is added, except in cmake -P
  if(CMAKE_SCRIPT_MODE_FILE)
    set(regen)
  endif()
  file(GLOB_RECURSE headers ${regen} RELATIVE ${RSTREAMS_INCLUDE_DIR} ${RSTREAMS_INCLUDE_DIR}/rstreams/*.hpp)
  list(SORT headers)
  set(${out} ${headers} PARENT_SCOPE)
endfunction()

# rstreams_part_headers(<part> <out>): the headers a program linking only rstreams::<part>
# can include (their needs are among the part's dependencies). `core` lists the headers that
# need nothing but the standard library.
function(rstreams_part_headers part out)
  if(part STREQUAL "core")
    set(allowed)
  else()
    rstreams_part_all_dependencies(${part} allowed)
  endif()
  rstreams_public_headers(headers)
  set(result)
  foreach(h IN LISTS headers)
    rstreams_header_needs(${h} needs)
    list(REMOVE_ITEM needs ${allowed})
    if(NOT needs)
      list(APPEND result ${h})
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# rstreams_found_headers(<out>): the headers whose dependencies were all found on this
# machine (what the header checks compile).
function(rstreams_found_headers out)
  rstreams_public_headers(headers)
  set(result)
  foreach(h IN LISTS headers)
    rstreams_header_needs(${h} needs)
    set(ok TRUE)
    foreach(d IN LISTS needs)
      if(NOT TARGET ${rstreams_dep_${d}_TARGET})
        set(ok FALSE)
      endif()
    endforeach()
    if(ok)
      list(APPEND result ${h})
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()
