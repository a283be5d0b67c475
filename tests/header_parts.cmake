# Which parts (rstreams::<part> targets) a public header needs: the external headers it
# reaches through its own #includes, followed transitively, mapped to the part that provides
# them. Used by the header checks so that only headers whose parts were found are compiled.

# external include prefix -> part
set(rstreams_external_parts
  "nats/=nats" "curl/=http" "sqlite3.h=sqlite" "libpq-fe.h=postgres" "zlib.h=gzip"
  "nlohmann/=json" "fmt/=fmt" "range/v3/=ranges")

# rstreams_header_parts(<header relative to include/> <out-var>)
function(rstreams_header_parts header out)
  get_property(known GLOBAL PROPERTY "rstreams_parts_known_${header}" SET)
  if(known)
    get_property(parts GLOBAL PROPERTY "rstreams_parts_of_${header}")
    set(${out} "${parts}" PARENT_SCOPE)
    return()
  endif()
  # Marked before recursing, so an include cycle ends.
  set_property(GLOBAL PROPERTY "rstreams_parts_known_${header}" TRUE)
  set_property(GLOBAL PROPERTY "rstreams_parts_of_${header}" "")
  set(parts)
  file(STRINGS ${PROJECT_SOURCE_DIR}/include/${header} lines REGEX "^[ \t]*#[ \t]*include[ \t]*<")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>.*" "\\1" inc "${line}")
    if(inc MATCHES "^rstreams/" AND EXISTS ${PROJECT_SOURCE_DIR}/include/${inc})
      rstreams_header_parts(${inc} sub)
      list(APPEND parts ${sub})
    else()
      foreach(pair IN LISTS rstreams_external_parts)
        string(REPLACE "=" ";" pair "${pair}")
        list(GET pair 0 prefix)
        list(GET pair 1 part)
        string(FIND "${inc}" "${prefix}" at)
        if(at EQUAL 0)
          list(APPEND parts ${part})
        endif()
      endforeach()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES parts)
  list(SORT parts)
  set_property(GLOBAL PROPERTY "rstreams_parts_of_${header}" "${parts}")
  set(${out} "${parts}" PARENT_SCOPE)
endfunction()

# rstreams_header_found(<header> <out-var>): TRUE when every part the header needs was found.
function(rstreams_header_found header out)
  rstreams_header_parts(${header} parts)
  set(found TRUE)
  foreach(part IN LISTS parts)
    if(NOT TARGET rstreams::${part})
      set(found FALSE)
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()
