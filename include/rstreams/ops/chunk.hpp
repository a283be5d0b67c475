#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

namespace detail {
inline std::size_t checked_chunk_size(std::size_t size) {
  if (size == 0) throw config_error("rstreams::chunk: the chunk size must be at least 1 (got 0)");
  return size;
}
}  // namespace detail

template <source S>
class chunk_source : public stage_source<chunk_source<S>, S> {
  using base = stage_source<chunk_source<S>, S>;

 public:
  static constexpr std::string_view name = "chunk";
  using value_type = std::vector<value_t<S>>;

  /// Throws config_error when `size` is 0.
  chunk_source(S up, std::size_t size) : base(std::move(up)), size_(detail::checked_chunk_size(size)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (n == 0) return up_done_ && buf_.empty() ? flow::done : flow::more;
    std::size_t emitted = 0;
    bool stopped = false;
    if (!up_done_) {
      // Ask for exactly what completes n chunks; a filtering upstream may deliver fewer, in
      // which case fewer chunks go out this time (the partial one waits in buf_).
      const std::size_t cap = std::numeric_limits<std::size_t>::max();
      const std::size_t want = n > cap / size_ ? cap : n * size_ - buf_.size();
      const flow r = rstreams::push(this->up_, want, [&](auto&& x) {
        if (buf_.capacity() == 0) buf_.reserve(std::min<std::size_t>(size_, 1024));
        buf_.push_back(std::forward<decltype(x)>(x));
        if (buf_.size() < size_) return true;
        ++emitted;
        if (!g(take_buffer())) {
          stopped = true;
          return false;
        }
        return emitted != n;
      });
      up_done_ = r == flow::done;
    }
    if (!up_done_) return flow::more;
    // Upstream is exhausted: the last, partial chunk goes out once there is room for it.
    if (!buf_.empty() && !stopped && emitted < n) g(take_buffer());
    return buf_.empty() ? flow::done : flow::more;
  }

 private:
  value_type take_buffer() {
    value_type out = std::move(buf_);
    buf_ = value_type();
    return out;
  }

  std::size_t size_;
  value_type buf_;
  bool up_done_ = false;
};

struct chunk_fn {
  static constexpr std::string_view name = "chunk";

  template <source_like R>
  auto operator()(R&& r, std::size_t size) const {
    using S = decltype(as_source(std::forward<R>(r)));
    return chunk_source<S>(as_source(std::forward<R>(r)), size);
  }
  auto operator()(std::size_t size) const {
    return detail::bind_stage<chunk_fn>(detail::checked_chunk_size(size));
  }
};

/// Groups consecutive elements into `std::vector`s of `size`; the last chunk holds what is left
/// (fewer than `size`, never empty).
///
/// Forms: `chunk(src, size)` · `src | chunk(size)`
/// Requires: `size >= 1` (else config_error, when the stage is built).
/// Demand: a push of n chunks asks upstream for what completes n chunks; buffers up to `size - 1`
/// elements between pushes.
inline constexpr chunk_fn chunk{};

}  // namespace rstreams
