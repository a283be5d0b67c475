#pragma once
// Line-at-a-time file access through zlib's gzFile: reads plain and gzip files alike, writes
// either plain ("wT") or gzip.

#include <rstreams/core/error.hpp>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus::detail {

class gz_file {
 public:
  // (`file`, not `path`: Graphviz's C headers declare a global `path`, and -Wshadow would say so
  // where both are included, as the rstreams tool does.)
  gz_file(const std::string& file, const char* mode, std::string what) : path_(file), what_(std::move(what)) {
    errno = 0;
    f_ = gzopen(file.c_str(), mode);
    if (f_ == nullptr)
      throw error("rstreams: " + what_ + ": cannot open " + path_ + ": " +
                  (errno != 0 ? std::strerror(errno) : "zlib could not allocate its state"));
    gzbuffer(f_, 128 * 1024);
  }
  gz_file(const gz_file&) = delete;
  gz_file& operator=(const gz_file&) = delete;
  ~gz_file() {
    if (f_ != nullptr) gzclose(f_);
  }

  /// The next line without its '\n' (a '\r' before it is dropped too); false at the end.
  bool getline(std::string& line) {
    line.clear();
    char buf[64 * 1024];
    for (;;) {
      if (gzgets(f_, buf, sizeof buf) == nullptr) {
        check();
        return !line.empty();
      }
      const auto n = std::strlen(buf);
      line.append(buf, n);
      if (n > 0 && buf[n - 1] == '\n') {
        line.pop_back();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
    }
  }

  void write(std::string_view text) {
    if (text.empty()) return;
    if (gzwrite(f_, text.data(), static_cast<unsigned>(text.size())) != static_cast<int>(text.size()))
      check(true);
  }

  /// Flushes and closes; throws when the data could not be written.
  void close() {
    auto* f = f_;
    f_ = nullptr;
    const int rc = gzclose(f);
    if (rc != Z_OK)
      throw error("rstreams: " + what_ + ": cannot finish writing " + path_ + " (zlib " + std::to_string(rc) +
                  ")");
  }

 private:
  void check(bool always = false) {
    int code = Z_OK;
    const char* msg = gzerror(f_, &code);
    if (code != Z_OK || always)
      throw error(
          "rstreams: " + what_ + ": " + path_ + ": " +
          (code == Z_ERRNO ? std::strerror(errno) : std::string(msg != nullptr ? msg : "zlib error")));
  }

  gzFile f_ = nullptr;
  std::string path_;
  std::string what_;
};

}  // namespace rstreams::bus::detail
