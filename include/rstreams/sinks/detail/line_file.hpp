#pragma once
// The file write_lines formats into: a std::ostream over a C stream, so the sink needs neither
// <fstream> nor <filesystem> (which cost every TU of the umbrella more than the rest of the
// pipeline core). Opens and writes as std::ofstream(path, out | binary | trunc or app) does
// (fopen "wb" / "ab"), with a buffer of BUFSIZ bytes, like std::filebuf.

#include <cstddef>
#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>

namespace rstreams::detail {

class line_file_buf final : public std::streambuf {
 public:
  line_file_buf() = default;
  line_file_buf(const line_file_buf&) = delete;
  line_file_buf& operator=(const line_file_buf&) = delete;
  /// Writes what is buffered and closes, as std::ofstream's destructor does; errors are lost.
  ~line_file_buf() override { (void)close(); }

  /// False when the file cannot be opened (errno says why).
  bool open(const std::string& path, bool append) {
    file_ = std::fopen(path.c_str(), append ? "ab" : "wb");
    if (file_ == nullptr) return false;
    // Buffered here only: a failed write reports at once, as a std::filebuf's does.
    (void)std::setvbuf(file_, nullptr, _IONBF, 0);
    setp(buffer_, buffer_ + sizeof buffer_);
    return true;
  }

  /// Writes what is buffered and closes; false (errno says why) when either fails.
  bool close() noexcept {
    if (file_ == nullptr) return true;
    const bool written = drain();
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    setp(nullptr, nullptr);
    return written && closed;
  }

 protected:
  int_type overflow(int_type ch) override {
    if (file_ == nullptr || !drain()) return traits_type::eof();
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
    return ch;
  }

  int sync() override { return file_ != nullptr && drain() ? 0 : -1; }

 private:
  bool drain() noexcept {
    const auto size = static_cast<std::size_t>(pptr() - pbase());
    const bool ok = size == 0 || std::fwrite(pbase(), 1, size, file_) == size;
    setp(buffer_, buffer_ + sizeof buffer_);  // what failed is dropped, as std::filebuf does
    return ok;
  }

  std::FILE* file_ = nullptr;
  char buffer_[BUFSIZ];
};

/// The stream and its buffer, kept together at one address (a std::ostream cannot move).
struct line_file {
  line_file_buf buf;
  std::ostream out{&buf};
};

}  // namespace rstreams::detail
