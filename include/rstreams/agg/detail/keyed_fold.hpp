#pragma once
// The shared engine of fold_by_key and reduce_by_key: per-key accumulators in a bounded key
// table, emitted when the input ends (and, with on_evict::emit, when a key is evicted).

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/key_table.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// Applies a step that either mutates `acc` (returns void) or returns the new accumulator.
template <class F, class Acc, class X>
void apply_step(std::string_view stage, std::size_t position, std::size_t element, F& f, Acc& acc, X&& x) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, Acc&, X>>)
    invoke_stage(stage, position, element, f, acc, std::forward<X>(x));
  else
    acc = invoke_stage(stage, position, element, f, std::move(acc), std::forward<X>(x));
}

/// Reduce mode when `Init` is void: the first value of a key starts its accumulator.
template <class D, source S, class Acc, class F, bool Reduce>
class keyed_fold_source : public stage_source<D, S> {
  using base = stage_source<D, S>;
  using traits = key_traits<value_t<S>>;
  using key_type = typename traits::key_type;
  using state = std::conditional_t<Reduce, std::optional<Acc>, Acc>;

 public:
  using value_type = keyed<key_type, Acc>;

  keyed_fold_source(S up, state init, F f, key_limit limit, agg_counters* counters)
      : base(std::move(up)),
        init_(std::move(init)),
        f_(std::move(f)),
        table_(limit),
        limit_(limit),
        counters_(counters) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t budget = n;
    if (!out_.drain(budget, g)) return flow::more;
    while (budget != 0 && !finished_) {
      const flow r = pull(n);
      if (r == flow::done) {
        finished_ = true;
        table_.for_each([&](auto, const key_type& k, state& s) { emit(k, s); });
      }
      if (!out_.drain(budget, g)) return flow::more;
      if (!finished_ && r == flow::more) return flow::more;  // let the scheduler check for a stop
    }
    return finished_ && out_.empty() ? flow::done : flow::more;
  }

 private:
  // Straight after key_by, the keys and elements come from key_by's upstream as they are:
  // a key already in the table is looked up, not copied, and the element is not copied at all.
  flow pull(std::size_t n) {
    if constexpr (is_key_by_source_v<S>) {
      return this->up_.push_keys(n, [&](const key_type& k, auto&& x) {
        step(k, std::forward<decltype(x)>(x));
        return true;
      });
    } else {
      return rstreams::push(this->up_, n, [&](auto&& x) {
        const key_type& k = traits::key(x);
        step(k, traits::value(std::forward<decltype(x)>(x)));
        return true;
      });
    }
  }

  template <class X>
  void step(const key_type& key, X&& x) {
    const std::size_t i = index_++;
    if (counters_) ++counters_->elements;
    table_.touch(
        key, [&] { return init_; },
        [&](const key_type& k, state& s) {
          if (counters_) ++counters_->evicted;
          if (limit_.policy == on_evict::emit) {
            emit(k, s);
          } else if (counters_) {
            ++counters_->dropped;
          }
        },
        [&](state& s) { s = init_; });
    state& s = table_.last_value();
    if constexpr (Reduce) {
      if (!s) {
        s.emplace(std::forward<X>(x));
        return;
      }
      apply_step(D::name, base::position, i, f_, *s, std::as_const(x));
    } else {
      apply_step(D::name, base::position, i, f_, s, std::as_const(x));
    }
  }

  void emit(const key_type& k, state& s) {
    if constexpr (Reduce) {
      if (s) out_.emplace(value_type{k, std::move(*s)});
      s.reset();
    } else {
      out_.emplace(value_type{k, std::move(s)});
    }
  }

  state init_;
  F f_;
  key_table<key_type, state> table_;
  key_limit limit_;
  agg_counters* counters_;
  out_buffer<value_type> out_;
  std::size_t index_ = 0;
  bool finished_ = false;
};

}  // namespace rstreams::detail
