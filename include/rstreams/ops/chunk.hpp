#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>
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
    if (n == 0) return up_done_ && held() == 0 ? flow::done : flow::more;
    std::size_t emitted = 0;
    bool stopped = false;
    if (!up_done_) {
      // Ask for exactly what completes n chunks; a filtering upstream may deliver fewer, in
      // which case fewer chunks go out this time (the partial one waits in the buffer).
      const std::size_t cap = std::numeric_limits<std::size_t>::max();
      const std::size_t want = n > cap / size_ ? cap : n * size_ - held();
      const auto full = [&] {
        ++emitted;
        if (!emit(g)) {
          stopped = true;
          return false;
        }
        return emitted != n;
      };
      flow r;
      if constexpr (in_slots) {
        // Locals, not members, in the per-element path: stores into the slots cannot alias them.
        std::size_t fill = fill_;
        const std::size_t size = size_;
        elem* slots = ready_slots();
        r = rstreams::push(this->up_, want, [&](auto&& x) {
          slots[fill] = std::forward<decltype(x)>(x);
          if (++fill < size) return true;
          fill_ = fill;
          fill = 0;
          const bool more = full();
          slots = ready_slots();  // the same storage unless the consumer kept the chunk
          return more;
        });
        fill_ = fill;
      } else {
        r = rstreams::push(this->up_, want, [&](auto&& x) {
          if (buf_.capacity() == 0) buf_.reserve(std::min<std::size_t>(size_, 1024));
          buf_.push_back(std::forward<decltype(x)>(x));
          if (buf_.size() < size_) return true;
          return full();
        });
      }
      up_done_ = r == flow::done;
    }
    if (!up_done_) return flow::more;
    // Upstream is exhausted: the last, partial chunk goes out once there is room for it.
    if (held() != 0 && !stopped && emitted < n) {
      if constexpr (in_slots) buf_.resize(fill_);
      emit(g);
    }
    return held() == 0 ? flow::done : flow::more;
  }

 private:
  using elem = value_t<S>;
  // Plain values (numbers, small structs) are written into a chunk of `size` slots made once:
  // a store per element instead of push_back's capacity check. Other types are appended, so
  // that no stale element (a string's memory, a shared_ptr's object) outlives its chunk.
  static constexpr bool in_slots =
      std::is_trivially_copyable_v<elem> && std::is_default_constructible_v<elem>;

  std::size_t held() const noexcept {
    if constexpr (in_slots)
      return fill_;
    else
      return buf_.size();
  }

  // The slots of the next chunk: the reused buffer, or a new one when the consumer kept the last.
  elem* ready_slots() {
    if (buf_.size() != size_) buf_.resize(size_);
    return buf_.data();
  }

  // The chunk goes out as an rvalue of the stage's own buffer: a consumer that keeps it moves
  // it away (and the next chunk allocates), one that only reads it (a per-chunk sum) leaves
  // the storage here to be reused, so steady state allocates nothing.
  template <class G>
  bool emit(G& g) {
    const bool go_on = g(std::move(buf_));
    fill_ = 0;
    if constexpr (!in_slots) buf_.clear();  // slots are overwritten by the next chunk
    return go_on;
  }

  std::size_t size_;
  value_type buf_;
  std::size_t fill_ = 0;  // slots written (in_slots only)
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
/// Storage: each chunk is handed on as an rvalue of one reused vector. Move it to keep it (as
/// `to_vector` or a channel does); a stage that only reads it, e.g. `transform` taking
/// `const std::vector<T>&`, lets the next chunk reuse its storage: no allocation per chunk.
inline constexpr chunk_fn chunk{};

}  // namespace rstreams
