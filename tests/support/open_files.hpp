#pragma once
// How many file descriptors this process has open (Linux: the entries of /proc/self/fd), so a
// test can prove a source or sink closed its file. Returns -1 where that is unknown.

#include <filesystem>
#include <system_error>

namespace rstreams::test {

inline int open_file_count() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return -1;
  int n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return -1;
    ++n;
  }
  return n;
}

}  // namespace rstreams::test
