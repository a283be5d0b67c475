#pragma once
// The reason text of an errno value for io_error messages ("No such file or directory"),
// through std::error_code so no shared strerror buffer is involved.

#include <string>
#include <system_error>

namespace rstreams::detail {

/// The text of `code`, or "unknown error" when the library left errno at 0.
inline std::string errno_text(int code) {
  return code == 0 ? std::string("unknown error") : std::error_code(code, std::generic_category()).message();
}

}  // namespace rstreams::detail
