#pragma once
// read_file and write_file handle ".gz" names, but a program that never meets one must not
// link zlib. They reach the gzip codec through this slot, which
// <rstreams/io/detail/zlib_codec.hpp> (included by <rstreams/io/gzip.hpp> and
// <rstreams/io/gunzip.hpp>, part rstreams::gzip) fills when the program starts.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rstreams::detail {

/// A streaming byte codec behind a virtual call per chunk (tens of kilobytes).
class file_codec {
 public:
  using emit_fn = std::function<bool(std::string&&)>;
  virtual ~file_codec() = default;
  /// Feeds `in`; returns how much of it was consumed (less when `emit` returned false).
  virtual std::size_t decode(std::string_view in, const emit_fn& emit) = 0;
  /// Flushes what the codec holds; false when `emit` stopped it early.
  virtual bool finish(const emit_fn& emit) = 0;
};

struct gzip_file_codecs {
  std::unique_ptr<file_codec> (*inflater)(std::string source, std::string stage);
  std::unique_ptr<file_codec> (*deflater)(int level);
};

inline const gzip_file_codecs*& gzip_file_codecs_slot() noexcept {
  static const gzip_file_codecs* codecs = nullptr;
  return codecs;
}

inline const gzip_file_codecs& gzip_file_codecs_or_throw(std::string_view stage, const std::string& file) {
  const gzip_file_codecs* c = gzip_file_codecs_slot();
  if (c == nullptr)
    throw config_error("rstreams::" + std::string(stage) + ": " + file +
                       " is a gzip file: include <rstreams/io/gunzip.hpp> or <rstreams/io/gzip.hpp> in "
                       "the program and link rstreams::gzip (zlib), or turn the option off "
                       "(file_read_options::decompress, file_write_options::compress)");
  return *c;
}

}  // namespace rstreams::detail
