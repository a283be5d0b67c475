#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/chunk_stage.hpp>
#include <rstreams/io/detail/zlib_codec.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

/// Options of `gunzip`.
struct gunzip_options {
  /// Named in errors.
  std::string source = "input";
};

template <source S>
class gunzip_source : public detail::chunk_stage<gunzip_source<S>, S> {
  using base = detail::chunk_stage<gunzip_source<S>, S>;

 public:
  static constexpr std::string_view name = "gunzip";
  using value_type = std::string;

  gunzip_source(S up, gunzip_options o) : base(std::move(up)), z_(std::move(o.source)) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    return z_.decode(in, emit);
  }
  template <class Emit>
  bool finish(Emit& emit) {
    return z_.finish(emit);
  }

 private:
  detail::inflater z_;
};

struct gunzip_fn {
  template <source_like R>
  auto operator()(R&& r, gunzip_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::gunzip: the elements must be byte chunks (std::string, "
                  "std::string_view or std::vector<char>).");
    return gunzip_source<S>(as_source(std::forward<R>(r)), std::move(o));
  }
  auto operator()(gunzip_options o = {}) const { return detail::bind_stage<gunzip_fn>(std::move(o)); }
};

/// Decompresses a gzip byte stream chunk by chunk; concatenated members (as `cat a.gz b.gz`
/// makes) come out as one stream.
///
/// Forms: `gunzip(src, opts)` · `src | gunzip(opts)`
/// Requires: elements are byte chunks. Output: std::string chunks of up to 64 KiB.
/// Errors: corrupt data, or an input that ends inside a member (truncated), is a
/// codec_error naming `opts.source` and the byte offset.
/// Demand: pulls chunks until n output chunks are out; keeps the rest of the current input
/// chunk and zlib's window. Example: examples/31-gzip-files.cpp
inline constexpr gunzip_fn gunzip{};

}  // namespace rstreams
