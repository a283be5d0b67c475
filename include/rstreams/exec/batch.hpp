#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>

#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

/// When a batch is complete: whichever limit trips first (RStreams' {count, bytes, time}).
/// A zero leaves that limit out; at least one must be set.
struct batch_limits {
  std::size_t count = 0;                          ///< elements per batch
  std::size_t bytes = 0;                          ///< sum of the size function over the batch
  clock::duration age = clock::duration::zero();  ///< age of the batch's first element
};

namespace detail {

/// The default size of an element for byte limits: `x.size()` when it has one (strings,
/// vectors), else `sizeof x`.
struct default_element_size {
  template <class T>
  std::size_t operator()(const T& x) const {
    if constexpr (requires { x.size(); })
      return static_cast<std::size_t>(x.size());
    else
      return sizeof(T);
  }
};

inline batch_limits checked_batch_limits(const batch_limits& l) {
  if (l.count == 0 && l.bytes == 0 && l.age <= clock::duration::zero())
    throw config_error("rstreams::batch: set at least one limit (count, bytes or age), each at least 1");
  if (l.age < clock::duration::zero()) throw config_error("rstreams::batch: age must not be negative");
  if (l.count > (std::size_t{1} << 40) || l.bytes > (std::size_t{1} << 60))
    throw config_error("rstreams::batch: a limit is too large (a negative number converted to unsigned?)");
  return l;
}

/// The batch being filled, and the test that closes it.
template <class T, class Z>
struct batch_builder {
  batch_limits limits;
  Z size;
  std::vector<T> items;
  std::size_t bytes = 0;

  /// Adds `x`; true when the batch is now complete by count or bytes.
  template <class X>
  bool add(X&& x) {
    if (limits.bytes != 0) bytes += size(std::as_const(x));
    items.emplace_back(std::forward<X>(x));
    return (limits.count != 0 && items.size() >= limits.count) ||
           (limits.bytes != 0 && bytes >= limits.bytes);
  }
  std::vector<T> take() {
    bytes = 0;
    std::vector<T> out;
    out.swap(items);
    if (limits.count != 0) items.reserve(limits.count);
    return out;
  }
};

}  // namespace detail

/// The source of batches. With count/bytes limits only it is a plain synchronous stage; with an
/// age limit its upstream runs on a task of the run's scope and a timer on the run's clock
/// closes a batch when its first element is `age` old, even while the upstream waits.
template <source S, class Z>
class batch_source : public stage_source<batch_source<S, Z>, S> {
  using base = stage_source<batch_source<S, Z>, S>;
  using T = value_t<S>;

 public:
  static constexpr std::string_view name = "batch";
  static constexpr bool drains_on_stop = true;
  using value_type = std::vector<T>;

  batch_source(S up, batch_limits limits, Z size)
      : base(std::move(up)), limits_(limits), size_(std::move(size)), inline_{limits, size_, {}, 0} {}
  batch_source(batch_source&&) = default;
  batch_source& operator=(batch_source&&) = delete;
  ~batch_source() { own_scope_.reset(); }

  void start(const run_context& ctx) {
    if (started_) return;
    started_ = true;
    if (limits_.age <= clock::duration::zero()) {
      base::start(ctx);
      stop_ = ctx.stop;
      return;
    }
    const run_context inner = detail::with_scope(ctx, own_scope_);
    base::start(inner);
    state_ = std::make_shared<shared>(limits_, size_, inner.clock);
    std::stop_token quit = detail::drains_on_stop<S>() ? inner.scope->cancel_token() : inner.stop;
    inner.scope->spawn([st = state_, up = &this->up_, quit] { produce(*st, *up, quit); });
    inner.scope->spawn([st = state_, quit = inner.scope->cancel_token()] { time_out(*st, quit); });
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!started_) start(run_context{});
    if (!state_) return push_inline(n, g);
    auto& st = *state_;
    for (; n != 0; --n) {
      std::vector<T> b;
      {
        std::unique_lock lock(st.mutex);
        st.ready_cv.wait(lock, [&] { return !st.ready.empty() || st.done; });
        if (st.ready.empty()) {
          if (st.error) std::rethrow_exception(st.error);
          return flow::done;
        }
        b = std::move(st.ready.front());
        st.ready.pop_front();
      }
      st.space_cv.notify_one();
      if (!g(std::move(b))) return flow::more;
    }
    return flow::more;
  }

 private:
  struct shared {
    shared(batch_limits l, Z z, rstreams::clock* c) : builder{l, std::move(z), {}, 0}, clk(c) {}
    std::mutex mutex;
    std::condition_variable_any ready_cv, space_cv, timer_cv;
    detail::batch_builder<T, Z> builder;
    rstreams::clock* clk;
    clock::time_point deadline{};
    std::deque<std::vector<T>> ready;  // complete batches; at most 2 (+1 closed by the timer)
    bool done = false;
    std::exception_ptr error;

    void close_open_batch() {  // mutex held
      if (builder.items.empty()) return;
      ready.push_back(builder.take());
      ready_cv.notify_one();
    }
  };

  template <class G>
  flow push_inline(std::size_t n, G& g) {
    if (ended_) return flow::done;
    while (n != 0) {
      bool full = false;
      bool go = true;
      const std::size_t want = limits_.count != 0 ? limits_.count - inline_.items.size() : 256;
      const flow f = rstreams::push(this->up_, want, [&](auto&& x) {
        full = inline_.add(std::forward<decltype(x)>(x));
        return !full;
      });
      if (full) {
        --n;
        go = g(inline_.take());
      }
      if (f == flow::done || stop_.stop_requested()) {
        ended_ = true;
        if (go && !inline_.items.empty()) g(inline_.take());
        return flow::done;
      }
      if (!go) return flow::more;
    }
    return flow::more;
  }

  static void produce(shared& st, S& up, const std::stop_token& quit) {
    try {
      const std::size_t step = st.builder.limits.count != 0 ? st.builder.limits.count : 64;
      for (;;) {
        {
          std::unique_lock lock(st.mutex);
          st.space_cv.wait(lock, quit, [&] { return st.ready.size() < 2; });
          if (quit.stop_requested()) break;
        }
        const flow f = rstreams::push(up, step, [&](auto&& x) {
          std::lock_guard lock(st.mutex);
          if (st.builder.items.empty()) {
            st.deadline = st.clk->now() + st.builder.limits.age;
            st.timer_cv.notify_one();
          }
          if (st.builder.add(std::forward<decltype(x)>(x))) {
            st.close_open_batch();
            return st.ready.size() < 2;
          }
          return true;
        });
        if (f == flow::done) break;
      }
    } catch (...) {
      std::lock_guard lock(st.mutex);
      st.error = std::current_exception();
    }
    std::lock_guard lock(st.mutex);
    if (!st.error) st.close_open_batch();  // what is in flight still goes out
    st.done = true;
    st.ready_cv.notify_all();
    st.timer_cv.notify_all();
  }

  static void time_out(shared& st, const std::stop_token& quit) {
    std::unique_lock lock(st.mutex);
    for (;;) {
      st.timer_cv.wait(lock, quit, [&] { return !st.builder.items.empty() || st.done; });
      if (quit.stop_requested() || st.done) return;
      const auto deadline = st.deadline;
      lock.unlock();
      const bool reached = st.clk->sleep_until(deadline, quit);
      lock.lock();
      if (!reached) return;
      if (!st.builder.items.empty() && st.deadline <= deadline) st.close_open_batch();
    }
  }

  batch_limits limits_;
  Z size_;
  detail::batch_builder<T, Z> inline_;
  std::shared_ptr<shared> state_;
  detail::owned_scope own_scope_;
  std::stop_token stop_;
  bool started_ = false;
  bool ended_ = false;
};

struct batch_fn {
  static constexpr std::string_view name = "batch";

  template <source_like R, class Z = detail::default_element_size>
  auto operator()(R&& r, batch_limits limits, Z size = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<Z&, const value_t<S>&>,
                  "rstreams::batch: the size function must take the element (const T&) and return its size.");
    return batch_source<S, Z>(as_source(std::forward<R>(r)), detail::checked_batch_limits(limits),
                              std::move(size));
  }
  template <source_like R, std::integral I>
  auto operator()(R&& r, I n) const {
    return (*this)(std::forward<R>(r), batch_limits{.count = detail::checked_limit("batch", "count", n)});
  }
  template <class Z = detail::default_element_size>
  auto operator()(batch_limits limits, Z size = {}) const {
    return detail::bind_stage<batch_fn>(detail::checked_batch_limits(limits), std::move(size));
  }
  template <std::integral I>
  auto operator()(I n) const {
    return detail::bind_stage<batch_fn>(batch_limits{.count = detail::checked_limit("batch", "count", n)});
  }
};

/// Groups elements into `std::vector` batches, closing a batch when the first limit trips:
/// `count` elements, `bytes` (the sum of `size(x)`, by default `x.size()` or `sizeof x`), or
/// `age` since its first element (on the run's clock, so a `manual_clock` drives it in tests).
/// The last, partial batch is delivered at the end and on a stop request.
///
/// Forms: `src | batch(n)` · `src | batch({.count = n, .bytes = b, .age = 100ms} [, size])`
/// and the full forms `batch(src, ...)`.
/// Requires: at least one limit, each >= 1 (else config_error).
/// Demand: one batch per downstream pull; with an age limit the upstream runs on its own task
/// and at most three batches are buffered. Example: examples/11-batch-by-time.cpp
inline constexpr batch_fn batch{};

}  // namespace rstreams
