#pragma once
// The engine of count windows: per key, the elements counted so far, the pane being filled
// (panes of gcd(size, slide) elements) and the full panes of the current window in a
// two-stacks queue, so sliding costs O(1) merges per pane amortised instead of
// size/slide merges per window.

#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/key_table.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/window_config.hpp>
#include <rstreams/agg/window_result.hpp>
#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::detail {

/// A FIFO of accumulators that answers "everything merged" in O(1) amortised merges:
/// the front stack holds suffix aggregates (oldest on top), the back stack the newest items
/// and their running aggregate. Vectors keep their capacity, so steady state allocates only
/// what the accumulators themselves do.
template <class A>
class two_stacks {
  using acc_type = accumulator_t<A>;

 public:
  void push(const A& agg, acc_type&& a) {
    if (back_.empty())
      back_all_ = a;
    else
      agg.merge(back_all_, a);
    back_.push_back(std::move(a));
  }
  void pop(const A& agg) {
    if (front_.empty()) {
      for (std::size_t i = back_.size(); i-- > 0;) {
        if (front_.empty()) {
          front_.push_back(std::move(back_[i]));
        } else {
          acc_type x = std::move(back_[i]);
          agg.merge(x, front_.back());
          front_.push_back(std::move(x));
        }
      }
      back_.clear();
    }
    front_.pop_back();
  }
  /// Everything in the queue, oldest first, merged into `out` (which must start empty).
  void query(const A& agg, acc_type& out) const {
    if (!front_.empty()) agg.merge(out, front_.back());
    if (!back_.empty()) agg.merge(out, back_all_);
  }
  [[nodiscard]] std::size_t size() const noexcept { return front_.size() + back_.size(); }
  void clear() noexcept {
    front_.clear();
    back_.clear();
  }

 private:
  std::vector<acc_type> front_;
  std::vector<acc_type> back_;
  acc_type back_all_{};
};

template <source S, class A, class Cfg>
class count_window_source : public stage_source<count_window_source<S, A, Cfg>, S> {
  using base = stage_source<count_window_source<S, A, Cfg>, S>;
  using traits = key_traits<value_t<S>>;
  using key_type = typename traits::key_type;
  using acc_type = accumulator_t<A>;

  struct key_state {
    std::uint64_t count = 0;
    std::uint64_t pane_left = 0;  // elements until the current pane is full (no division per element)
    acc_type pane{};
    two_stacks<A> full;
  };

 public:
  static constexpr std::string_view name = "window";
  using value_type = window_result<key_type, aggregate_t<A>, std::uint64_t>;

  count_window_source(S up, count_window_spec spec, A agg, Cfg cfg)
      : base(std::move(up)),
        agg_(std::move(agg)),
        cfg_(std::move(cfg)),
        table_(cfg_.key_bound()),
        limit_(cfg_.key_bound()),
        counters_(cfg_.counters_ptr()),
        size_(spec.size),
        slide_(spec.slide),
        pane_(std::gcd(spec.size, spec.slide)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t budget = n;
    if (!out_.drain(budget, g)) return flow::more;
    if (finished_) return out_.empty() ? flow::done : flow::more;
    const flow r = rstreams::push(this->up_, cfg_.batch_size(), [&](auto&& x) {
      on_element(std::forward<decltype(x)>(x));
      return true;
    });
    if (r == flow::done) {
      finished_ = true;
      // Every element ends up in a result: a key whose last elements are in no emitted window
      // gets its oldest unfinished window as it stands.
      table_.for_each([&](auto, const key_type& key, key_state& st) {
        const bool covered = st.count >= size_ && (st.count - size_) % slide_ == 0;
        if (st.count != 0 && !covered) emit_partial(key, st);
      });
    }
    out_.drain(budget, g);
    return finished_ && out_.empty() ? flow::done : flow::more;
  }

 private:
  template <class X>
  void on_element(X&& x) {
    const std::size_t i = index_++;
    if (counters_) ++counters_->elements;
    const auto found = table_.touch(
        traits::key(x), [&] { return fresh(); }, [&](const key_type& k, key_state& st) { evict(k, st); },
        [&](key_state& st) { reset(st); });
    key_state& st = table_.last_value();
    auto call = [this](acc_type& a, const typename traits::value_type& y) { agg_.add(a, y); };
    invoke_stage(name, base::position, i, call, st.pane, traits::value(std::as_const(x)));
    ++st.count;
    if (--st.pane_left != 0) return;
    st.pane_left = pane_;
    if (pane_ == size_) {  // tumbling: the pane is the window
      emit(table_.key(found.slot), st.count - size_, st.count, st.pane);
      st.pane = agg_.init();
      return;
    }
    st.full.push(agg_, std::exchange(st.pane, agg_.init()));
    if (st.full.size() * pane_ == size_) {
      acc_type acc = agg_.init();
      st.full.query(agg_, acc);
      emit(table_.key(found.slot), st.count - size_, st.count, acc);
      for (std::uint64_t k = 0; k < slide_ / pane_; ++k) st.full.pop(agg_);
    }
  }

  void emit(const key_type& key, std::uint64_t start, std::uint64_t end, const acc_type& acc) {
    if (counters_) ++counters_->fired;
    out_.emplace(value_type{key, start, end, agg_.result(acc), false});
  }

  key_state fresh() const {
    key_state st;
    st.pane_left = pane_;
    st.pane = agg_.init();
    return st;
  }
  void reset(key_state& st) const {
    st.count = 0;
    st.pane_left = pane_;
    st.pane = agg_.init();
    st.full.clear();
  }

  // The evicted key's partial window (its oldest unfinished one) is emitted as it stands, or dropped.
  void evict(const key_type& key, key_state& st) {
    if (counters_) ++counters_->evicted;
    if (limit_.policy == on_evict::discard) {
      if (counters_) ++counters_->dropped;
      return;
    }
    emit_partial(key, st);
  }

  // The key's oldest unfinished window, [count - held, count), if it holds anything.
  void emit_partial(const key_type& key, const key_state& st) {
    const std::uint64_t held = st.full.size() * pane_ + (pane_ - st.pane_left);
    if (held == 0) return;
    acc_type acc = agg_.init();
    st.full.query(agg_, acc);
    agg_.merge(acc, st.pane);
    emit(key, st.count - held, st.count, acc);
  }

  A agg_;
  Cfg cfg_;
  key_table<key_type, key_state> table_;
  key_limit limit_;
  agg_counters* counters_;
  out_buffer<value_type> out_;
  std::uint64_t size_, slide_, pane_;
  std::size_t index_ = 0;
  bool finished_ = false;
};

}  // namespace rstreams::detail
