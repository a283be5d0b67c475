#pragma once
// `metered(registry, name, stages)`: the same stages, counting what passes through each.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/source_interface.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

template <class X>
inline constexpr bool one_to_one_v = [] {
  if constexpr (requires { X::one_to_one; })
    return bool{X::one_to_one};
  else
    return false;
}();

/// Where a metered source's output is counted: a counter, or a one-to-one metered stage.
struct metered_link {
  const std::atomic<std::uint64_t>* counter = nullptr;
  const stage_metrics* stage = nullptr;
};

template <class S>
concept metered_source = requires(const S& s) {
  { s.metered_output_link() } -> std::same_as<metered_link>;
};

/// A source that keeps the count of what it has handed on (a source's position, flat_map's
/// output, a metered filter's upstream count less what it dropped): exact once a push has
/// returned or thrown.
template <class S>
concept counts_handed_on = requires(const S& s) {
  { s.handed_on() } -> std::convertible_to<std::size_t>;
};

/// counted_push for a source that does not count: a count per element.
template <class S, class G>
flow counted_push_each(S& up, std::size_t n, G& g, std::atomic<std::uint64_t>& counter) {
  // Counted in a local, added once (see detail/write_back.hpp for why a local).
  struct add_on_exit {
    std::atomic<std::uint64_t>& counter;
    const std::uint64_t& k;
    ~add_on_exit() {
      if (k != 0) counter.fetch_add(k, std::memory_order_relaxed);
    }
  };
  std::uint64_t k = 0;
  const add_on_exit add{counter, k};
  return rstreams::push(up, n, [&k, &g](auto&& x) {
    ++k;
    return g(std::forward<decltype(x)>(x));
  });
}

/// Pushes from `up` into `g`, adding how many went through to `counter` once, at the end of the
/// call (also when `g` or `up` throws).
template <class S, class G>
flow counted_push(S& up, std::size_t n, G& g, std::atomic<std::uint64_t>& counter) {
  if constexpr (counts_handed_on<S>) {
    // The source counts anyway: what it counted during this push, added however the push ends
    // (by then the push has put its count back, see detail/write_back.hpp).
    struct add_on_exit {
      std::atomic<std::uint64_t>& counter;
      const S& up;
      std::size_t before;
      ~add_on_exit() {
        const auto k = static_cast<std::uint64_t>(up.handed_on() - before);
        if (k != 0) counter.fetch_add(k, std::memory_order_relaxed);
      }
    };
    const add_on_exit add{counter, up, static_cast<std::size_t>(up.handed_on())};
    return rstreams::push(up, n, g);
  } else {
    return counted_push_each(up, n, g, counter);
  }
}

/// An unmetered upstream of a metered stage: counts what it hands on (the stage's `in`).
template <source S>
class metered_input : public source_interface<metered_input<S>> {
 public:
  using value_type = value_t<S>;
  static constexpr std::size_t position = position_v<S>;
  /// It hands on what its upstream hands on, inside the upstream's call (see
  /// core/detail/element_naming.hpp).
  static constexpr bool names_elements = names_elements_v<S>;

  metered_input(S up, std::atomic<std::uint64_t>* counter) : up_(std::move(up)), counter_(counter) {}

  /// The upstream is not this metered stage: it starts without its counters. (Out of line, as
  /// the other metered starts: once per run, and GCC 12 reports a false -Wuse-after-free in
  /// std::stop_token when it inlines the nested copies of the context.)
  [[gnu::noinline]] void start(const run_context& ctx) {
    run_context c = ctx;
    c.metrics = nullptr;
    rstreams::start(up_, c);
  }
  template <class G>
  flow push(std::size_t n, G&& g) {
    return counted_push(up_, n, g, *counter_);
  }

  /// What the upstream handed on, when it keeps that count (so a filter after it can work out
  /// its own, see ops/filter.hpp).
  [[nodiscard]] std::size_t handed_on() const noexcept requires counts_handed_on<S> {
    return up_.handed_on();
  }

  [[nodiscard]] std::string describe() const { return rstreams::describe(up_); }
  [[nodiscard]] const S& upstream() const noexcept { return up_; }
  [[nodiscard]] metered_link metered_output_link() const noexcept { return {counter_, nullptr}; }

 private:
  S up_;
  std::atomic<std::uint64_t>* counter_;
};

/// A metered stage's source: counts what it hands on (unless it maps one to one, when its
/// upstream's count says it), and the errors that leave it.
template <source X, bool Count>
class metered_output : public source_interface<metered_output<X, Count>> {
 public:
  using value_type = value_t<X>;
  static constexpr std::size_t position = position_v<X>;
  static constexpr bool one_to_one = one_to_one_v<X>;
  static constexpr bool names_elements = names_elements_v<X>;

  metered_output(X inner, stage_metrics* m) : inner_(std::move(inner)), m_(m) {}

  /// The stage starts with its counters in the context (error policies, channels and parallel
  /// stages count there).
  [[gnu::noinline]] void start(const run_context& ctx) {
    run_context c = ctx;
    c.metrics = m_;
    rstreams::start(inner_, c);
  }
  template <class G>
  flow push(std::size_t n, G&& g) {
    try {
      if constexpr (Count)
        return counted_push(inner_, n, g, m_->own_out);
      else
        return rstreams::push(inner_, n, g);
    } catch (const stage_error& e) {
      if (e.position() == position) m_->errors.fetch_add(1, std::memory_order_relaxed);
      throw;
    }
  }

  /// What the stage handed on, when it keeps that count.
  [[nodiscard]] std::size_t handed_on() const noexcept requires counts_handed_on<X> {
    return inner_.handed_on();
  }

  [[nodiscard]] std::string describe() const { return rstreams::describe(inner_); }
  [[nodiscard]] const X& upstream() const noexcept { return inner_; }
  [[nodiscard]] metered_link metered_output_link() const noexcept {
    if constexpr (Count)
      return {&m_->own_out, nullptr};
    else
      return {nullptr, m_};
  }

 private:
  X inner_;
  stage_metrics* m_;
};

/// A metered source (a merge): counts what it hands on, in and out alike, and starts the source
/// with its counters in the context (a merge reports its channel there).
template <source S>
class metered_head : public source_interface<metered_head<S>> {
 public:
  using value_type = value_t<S>;
  static constexpr std::size_t position = position_v<S>;
  static constexpr bool names_elements = names_elements_v<S>;

  metered_head(S src, stage_metrics* m) : src_(std::move(src)), m_(m) {}

  [[gnu::noinline]] void start(const run_context& ctx) {
    run_context c = ctx;
    c.metrics = m_;
    rstreams::start(src_, c);
  }
  template <class G>
  flow push(std::size_t n, G&& g) {
    return counted_push(src_, n, g, m_->own_out);
  }

  /// What the source handed on, when it keeps that count.
  [[nodiscard]] std::size_t handed_on() const noexcept requires counts_handed_on<S> {
    return src_.handed_on();
  }

  [[nodiscard]] std::string describe() const { return rstreams::describe(src_); }
  [[nodiscard]] const S& upstream() const noexcept { return src_; }
  [[nodiscard]] metered_link metered_output_link() const noexcept { return {&m_->own_out, nullptr}; }

 private:
  S src_;
  stage_metrics* m_;
};

/// One stage closure, metered.
template <class C>
class metered_stage : public pipe_closure<metered_stage<C>> {
 public:
  metered_stage(C c, metrics_registry* reg, std::string pipeline)
      : c_(std::move(c)), reg_(reg), pipeline_(std::move(pipeline)) {}

  template <source S>
  auto operator()(S&& s) && {
    return apply(std::move(c_), std::forward<S>(s));
  }
  template <source S>
  auto operator()(S&& s) const& {
    return apply(C(c_), std::forward<S>(s));
  }

  [[nodiscard]] std::string describe() const { return rstreams::describe(c_); }

 private:
  template <class S>
  auto apply(C c, S&& s) const {
    using U = std::remove_cvref_t<S>;
    if constexpr (metered_source<U>) {
      using X = decltype(std::move(c)(std::declval<U>()));
      stage_metrics& m = reg_->stage(pipeline_, position_v<X>, stage_name<X>(c));
      const metered_link in = s.metered_output_link();
      reg_->connect(m, in.counter, in.stage, one_to_one_v<X>);
      return metered_output<X, !one_to_one_v<X>>(std::move(c)(U(std::forward<S>(s))), &m);
    } else {
      using In = metered_input<U>;
      using X = decltype(std::move(c)(std::declval<In>()));
      stage_metrics& m = reg_->stage(pipeline_, position_v<X>, stage_name<X>(c));
      reg_->connect(m, &m.own_in, nullptr, one_to_one_v<X>);
      return metered_output<X, !one_to_one_v<X>>(std::move(c)(In(U(std::forward<S>(s)), &m.own_in)), &m);
    }
  }

  // The operator's name: its source's, else the closure's description.
  template <class X>
  static std::string stage_name(const C& c) {
    if constexpr (requires { X::name; })
      return std::string(X::name);
    else
      return rstreams::describe(c);
  }

  C c_;
  metrics_registry* reg_;
  std::string pipeline_;
};

template <class C>
inline constexpr bool is_composed_stage_v = false;
template <class C1, class C2>
inline constexpr bool is_composed_stage_v<composed_stage<C1, C2>> = true;

}  // namespace detail

struct metered_fn {
  template <stage C>
  auto operator()(metrics_registry& reg, std::string pipeline, C c) const {
    using D = std::remove_cvref_t<C>;
    if constexpr (detail::is_composed_stage_v<D>) {
      auto head = (*this)(reg, pipeline, std::move(c).first());
      auto tail = (*this)(reg, std::move(pipeline), std::move(c).second());
      return composed_stage<decltype(head), decltype(tail)>(std::move(head), std::move(tail));
    } else {
      return detail::metered_stage<D>(std::move(c), &reg, std::move(pipeline));
    }
  }

  /// A source, metered as the pipeline's head (position 0): what it hands on, and for a merge
  /// its channel's depth and capacity.
  template <source S>
  requires(!stage<S>) auto operator()(metrics_registry& reg, std::string_view pipeline, S src) const {
    std::string name;
    if constexpr (requires { S::name; })
      name = std::string(S::name);
    else
      name = rstreams::describe(src);
    stage_metrics& m = reg.stage(pipeline, position_v<S>, name);
    reg.connect(m, &m.own_out, nullptr, false);
    return detail::metered_head<S>(std::move(src), &m);
  }
};

/// The stages of `stages` (one stage or `a | b | ...`), each counting in `reg` under the
/// pipeline name `pipeline` and its position: elements in and out, errors, retries and dead
/// letters (under the stage's error policy), and, for async boundaries, merges and parallel
/// stages, channel depth and capacity or elements in flight and the limit. A metered pipeline computes
/// the same thing; an unmetered one carries none of this code. Export the figures with
/// `to_prometheus(reg)` (core/metrics_text.hpp).
///
/// Forms: `src | metered(reg, "orders", transform(f) | filter(p)) | sink` ·
/// `metered(reg, "orders", merge(a, b)) | ...` (a source, counted as position 0; a merge also
/// reports its channel)
/// Cost: none per element where a stage keeps the count anyway (`handed_on`: an integral iota's
/// position, flat_map's output, a filter counting what it drops on its dropping branch, which it
/// does only in a metered pipeline); a counter per element at other
/// stages that may change the count and at the first one after an unknown source; none at
/// one-to-one stages (transform), whose counts are those of the boundary before them; one
/// relaxed atomic add per stage per push call (a batch of the sink's demand).
/// Example: tests/core/metered_test.cpp
inline constexpr metered_fn metered{};

}  // namespace rstreams
