#pragma once
// The machinery shared by the stages that decode byte chunks into items (lines, CSV
// records, inflated bytes): one chunk may yield many items, so when the consumer stops or
// the demand `n` is reached mid-chunk, the rest of the chunk is kept and decoded first on
// the next push.
//
// The derived class `D` provides
//   template <class Emit> std::size_t decode(std::string_view in, Emit& emit);
//       decodes `in`, calling `emit(item)` (false = stop); returns the bytes consumed, which
//       is all of `in` unless emit said stop;
//   template <class Emit> bool finish(Emit& emit);
//       at the end of the input; true once everything is out (it is called again after a
//       stop until it returns true).

#include <rstreams/core/flow.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/detail/bytes.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::detail {

template <class D, class S>
class chunk_stage : public stage_source<D, S> {
  using base = stage_source<D, S>;

 public:
  using base::base;

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (n == 0) return done_ ? flow::done : flow::more;
    if (done_) return flow::done;
    std::size_t left = n;
    bool stopped = false;
    auto emit = [&](auto&& item) {
      const bool go = g(std::forward<decltype(item)>(item));
      if (!go || --left == 0) {
        stopped = true;
        return false;
      }
      return true;
    };
    D& self = static_cast<D&>(*this);
    if (pending_off_ < pending_.size()) {
      const std::string_view rest = std::string_view(pending_).substr(pending_off_);
      pending_off_ += self.decode(rest, emit);
      if (stopped) return flow::more;
    }
    pending_.clear();
    pending_off_ = 0;
    if (!upstream_done_) {
      const flow r = rstreams::push(this->up_, left, [&](auto&& chunk) {
        const std::string_view in = as_bytes(chunk);
        const std::size_t used = self.decode(in, emit);
        if (stopped) {
          pending_.assign(in.substr(used));
          pending_off_ = 0;
          return false;
        }
        return true;
      });
      if (stopped || r == flow::more) return flow::more;
      upstream_done_ = true;
    }
    if (!self.finish(emit)) return flow::more;
    done_ = true;
    return flow::done;
  }

 private:
  std::string pending_;
  std::size_t pending_off_ = 0;
  bool upstream_done_ = false;
  bool done_ = false;
};

}  // namespace rstreams::detail
