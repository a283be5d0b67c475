#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/io/detail/file_reader.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

class read_file_source : public source_interface<read_file_source> {
 public:
  static constexpr std::string_view name = "read_file";
  using value_type = std::string;

  read_file_source(std::filesystem::path p, file_read_options o) : reader_(std::move(p), o) {}

  void start(const run_context& ctx) { reader_.start(ctx); }

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_) return flow::done;
    std::string bytes;
    while (n != 0) {
      switch (reader_.next(bytes)) {
        case detail::file_reader::event::chunk:
          --n;
          if (!f(std::move(bytes))) return flow::more;
          break;
        case detail::file_reader::event::file_end:
          break;
        case detail::file_reader::event::end:
          done_ = true;
          return flow::done;
      }
    }
    return flow::more;
  }

 private:
  detail::file_reader reader_;
  bool done_ = false;
};

struct read_file_fn {
  read_file_source operator()(std::filesystem::path p, file_read_options o = {}) const {
    if (o.chunk_size == 0) throw config_error("rstreams::read_file: chunk_size must be positive");
    return read_file_source(std::move(p), o);
  }
};

/// A source of the bytes of a file, of the files of a directory, or of the files matching a
/// glob (`logs/*.jsonl`), in name order, as std::string chunks; ".gz" files are gunzipped
/// when the program includes <rstreams/io/gunzip.hpp> (part rstreams::gzip; without it they are
/// a config_error, so that programs reading plain files link no zlib).
///
/// Forms: `read_file(path, opts)`
/// Options: chunk size, decompression, `follow` (keep reading a growing file until the
/// run's stop token is set; polls on the run's clock).
/// Errors: a missing or unreadable file is an io_error naming it; a truncated ".gz" a
/// codec_error. Demand: one read per chunk; holds one chunk. Example: examples/31-gzip-files.cpp
inline constexpr read_file_fn read_file{};

}  // namespace rstreams
