#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/chunk_stage.hpp>
#include <rstreams/io/detail/zlib_codec.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

/// Options of `gzip`.
struct gzip_options {
  /// zlib level, 0 (store) to 9 (smallest); -1 is zlib's default (6).
  int level = -1;
  /// Size of the compressed chunks handed downstream (the last one may be smaller).
  std::size_t chunk_size = 64 * 1024;
};

template <source S>
class gzip_source : public detail::chunk_stage<gzip_source<S>, S> {
  using base = detail::chunk_stage<gzip_source<S>, S>;

 public:
  static constexpr std::string_view name = "gzip";
  using value_type = std::string;

  gzip_source(S up, gzip_options o) : base(std::move(up)), z_(o.level, o.chunk_size) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    return z_.decode(in, emit);
  }
  template <class Emit>
  bool finish(Emit& emit) {
    return z_.finish(emit);
  }

 private:
  detail::deflater z_;
};

struct gzip_fn {
  template <source_like R>
  auto operator()(R&& r, gzip_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::gzip: the elements must be byte chunks (std::string, "
                  "std::string_view or std::vector<char>).");
    check(o);
    return gzip_source<S>(as_source(std::forward<R>(r)), o);
  }
  auto operator()(gzip_options o = {}) const {
    check(o);
    return detail::bind_stage<gzip_fn>(o);
  }

 private:
  static void check(const gzip_options& o) {
    if (o.level < -1 || o.level > 9)
      throw config_error("rstreams::gzip: level must be -1 (default) or 0..9, got " +
                         std::to_string(o.level));
    if (o.chunk_size == 0) throw config_error("rstreams::gzip: chunk_size must be positive");
  }
};

/// Compresses a byte stream into one gzip member, emitted as fixed-size chunks.
///
/// Forms: `gzip(src, opts)` · `src | gzip(opts)`
/// Requires: elements are byte chunks (e.g. the lines of `stringify`).
/// Demand: pulls input until a compressed chunk is full; buffers one chunk plus zlib's
/// window (~256 KiB at the default level). Example: examples/31-gzip-files.cpp
inline constexpr gzip_fn gzip{};

}  // namespace rstreams
