#pragma once
// `|` composition. Every stage closure derives from `pipe_closure<Self>` and every sink
// closure from `sink_closure<Self>`; `operator|` exists only as hidden friends of these
// bases, so errors in unrelated code never list rstreams candidates.
//
//   source | stage  -> source        stage | stage -> stage (stored and reused)
//   source | sink   -> pipeline      stage | sink  -> sink
//   a range on the left becomes a source through `from_range`.

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/detail/diagnostics.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace rstreams {

template <class S, class K>
class pipeline;

template <class P>
inline constexpr bool is_pipeline_v = false;
template <class S, class K>
inline constexpr bool is_pipeline_v<pipeline<S, K>> = true;

/// `source | ... | sink`, ready to run.
template <class P>
concept runnable = is_pipeline_v<std::remove_cvref_t<P>>;

template <class C1, class C2>
class composed_stage;

template <class C, class K>
class composed_sink;

/// Base of stage closures. `D` provides `operator()(S&&)` for sources `S`.
template <class D>
class pipe_closure {
 public:
  using stage_concept = stage_tag;

  template <class L>
  requires(!stage<L> && !sink<L> && !runnable<L>) friend auto operator|(L&& lhs, D c) {
    if constexpr (source_like<L>) {
      return std::move(c)(as_source(std::forward<L>(lhs)));
    } else {
      static_assert(detail::always_false<L>, RSTREAMS_DIAG_NOT_A_SOURCE);
    }
  }

  template <stage C2>
  friend auto operator|(D c1, C2 c2) {
    return composed_stage<D, std::remove_cvref_t<C2>>(std::move(c1), std::move(c2));
  }

  template <sink K>
  friend auto operator|(D c, K k) {
    return composed_sink<D, std::remove_cvref_t<K>>(std::move(c), std::move(k));
  }
};

/// `c1 | c2` before a source is known: applies `c1`, then `c2`.
template <class C1, class C2>
class composed_stage : public pipe_closure<composed_stage<C1, C2>> {
 public:
  composed_stage(C1 c1, C2 c2) : first_(std::move(c1)), second_(std::move(c2)) {}

  template <source S>
  auto operator()(S&& s) && {
    return std::move(second_)(std::move(first_)(std::forward<S>(s)));
  }
  template <source S>
  auto operator()(S&& s) const& {
    return C2(second_)(C1(first_)(std::forward<S>(s)));
  }

  [[nodiscard]] std::string describe() const {
    return rstreams::describe(first_) + " | " + rstreams::describe(second_);
  }

  /// The two halves, for whoever rebuilds the chain stage by stage (core/metered.hpp).
  [[nodiscard]] const C1& first() const& noexcept { return first_; }
  [[nodiscard]] const C2& second() const& noexcept { return second_; }
  C1 first() && { return std::move(first_); }
  C2 second() && { return std::move(second_); }

 private:
  C1 first_;
  C2 second_;
};

/// Base of sink closures. `D` provides `template <class T> consumer()`.
template <class D>
class sink_closure {
 public:
  using sink_concept = sink_tag;

  template <class L>
  requires(!stage<L> && !sink<L> && !runnable<L>) friend auto operator|(L&& lhs, D k) {
    if constexpr (source_like<L>) {
      return D::bind(as_source(std::forward<L>(lhs)), std::move(k));
    } else {
      static_assert(detail::always_false<L>, RSTREAMS_DIAG_NOT_A_SOURCE);
    }
  }

  template <class X>
  friend auto operator|(D, X&&) {
    // A deduced return type makes the compiler print this at the offending `|`, first.
    static_assert(detail::always_false<X>, RSTREAMS_DIAG_AFTER_SINK);
    return detail::pipe_error{};
  }

  /// How a source and this sink make a pipeline; composed sinks override it.
  template <source S>
  static auto bind(S s, D k) {
    return pipeline<S, D>(std::move(s), std::move(k));
  }
};

/// `stage | sink`: a sink that first applies the stage.
template <class C, class K>
class composed_sink : public sink_closure<composed_sink<C, K>> {
 public:
  composed_sink(C c, K k) : stage_(std::move(c)), sink_(std::move(k)) {}

  template <source S>
  static auto bind(S s, composed_sink self) {
    auto staged = std::move(self.stage_)(std::move(s));
    return K::bind(std::move(staged), std::move(self.sink_));
  }

  [[nodiscard]] std::string describe() const {
    return rstreams::describe(stage_) + " | " + rstreams::describe(sink_);
  }

  /// The sink at the end of the chain (so callers can ask it, e.g., whether it replaces output).
  [[nodiscard]] const K& last_sink() const noexcept { return sink_; }

 private:
  C stage_;
  K sink_;
};

/// `source | ... | sink`: runnable with `run(p)`; nothing happens before.
template <class S, class K>
class pipeline {
 public:
  using source_type = S;
  using sink_type = K;

  pipeline(S s, K k) : source_(std::move(s)), sink_(std::move(k)) {}

  [[nodiscard]] std::string describe() const {
    return rstreams::describe(source_) + " | " + rstreams::describe(sink_);
  }

  S& source() noexcept { return source_; }
  K& sink() noexcept { return sink_; }
  const S& source() const noexcept { return source_; }
  const K& sink() const noexcept { return sink_; }

  template <class X>
  friend auto operator|(pipeline, X&&) {
    static_assert(detail::always_false<X>, RSTREAMS_DIAG_AFTER_SINK);
    return detail::pipe_error{};
  }

 private:
  S source_;
  K sink_;
};

}  // namespace rstreams
