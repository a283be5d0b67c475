#pragma once
// Copying short texts into strings that are reused from one event to the next (read buffers,
// the checkpoint tracker's eids): the common case, a text of the length the string already
// has (eids of one queue, its name, a bot id), is one memcpy into the storage it has, not a
// call into std::string's general replace.

#include <cstring>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

/// `s = v`, reusing `s`'s storage.
inline void assign_text(std::string& s, std::string_view v) {
  if (s.size() == v.size()) {
    if (!v.empty()) std::memcpy(s.data(), v.data(), v.size());
  } else {
    s.assign(v.data(), v.size());
  }
}

}  // namespace rstreams::bus::detail
