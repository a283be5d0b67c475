#pragma once
// The engine of time windows (tumbling, sliding, session) in processing or event time.
//
// Tumbling and sliding windows keep, per key, one accumulator per pane (the greatest common
// divisor of size and slide): an element is added to one pane, and a window's result merges
// its size/pane panes when it fires, so nothing is recomputed from the elements. Sessions keep
// one accumulator per open session and merge them when an event bridges a gap.
//
// Time is a watermark: in processing time, the run's clock read once per upstream step; in
// event time, the largest timestamp seen minus the allowed out-of-orderness (advanced by the
// clock when the input has been quiet for the idle timeout), and the end of input. A window
// [start, end) fires once the watermark reaches `end`; results of one firing come out by
// window end, then by key slot (the order keys were first seen), so a given input and clock
// always give the same output.

#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/key_table.hpp>
#include <rstreams/agg/detail/small_vec.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/window_config.hpp>
#include <rstreams/agg/window_result.hpp>
#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::detail {

/// Event timestamps are accepted within ±2^62 ns of the epoch (years 1824 to 2116).
inline constexpr std::int64_t max_timestamp_ns = std::int64_t{1} << 62;
/// Watermark values before and after every window that can exist.
inline constexpr std::int64_t time_before_all = -(max_timestamp_ns + (std::int64_t{1} << 61));
inline constexpr std::int64_t time_after_all = max_timestamp_ns + (std::int64_t{1} << 61);
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::max();

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

/// A timestamp as nanoseconds since its epoch; false when it is outside the accepted range.
template <class X>
bool timestamp_ns(const X& t, std::int64_t& out) {
  if constexpr (requires { t.time_since_epoch(); }) {
    return timestamp_ns(t.time_since_epoch(), out);
  } else {
    using D = std::remove_cvref_t<X>;
    if constexpr (std::is_same_v<D, std::chrono::nanoseconds>) {
      out = t.count();
    } else {
      // Check in the caller's unit first: converting a huge value could overflow.
      const auto limit = std::chrono::duration_cast<D>(std::chrono::nanoseconds(max_timestamp_ns));
      if (!(t <= limit && t >= -limit)) return false;
      out = std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
    }
    return out <= max_timestamp_ns && out >= -max_timestamp_ns;
  }
}

template <class T>
inline constexpr bool is_chrono_time_v = requires(const T& t) {
  std::chrono::duration_cast<std::chrono::nanoseconds>(t);
}
|| requires(const T& t) {
  std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
};

template <source S, class Spec, class A, class Cfg>
class time_window_source : public stage_source<time_window_source<S, Spec, A, Cfg>, S> {
  using base = stage_source<time_window_source<S, Spec, A, Cfg>, S>;
  using in_type = value_t<S>;
  using traits = key_traits<in_type>;
  using key_type = typename traits::key_type;
  using acc_type = accumulator_t<A>;
  static constexpr bool sessions = std::same_as<Spec, session_window_spec>;
  static constexpr bool event = Cfg::is_event_time;

  struct pane {
    std::int64_t start;
    acc_type acc;
  };
  struct session_state {
    std::int64_t start;
    std::int64_t end;  // last event + gap
    acc_type acc;
    bool pending;  // changed since last emitted
    bool emitted;
  };
  using part = std::conditional_t<sessions, session_state, pane>;
  using key_state = small_vec<part, 2>;

 public:
  static constexpr std::string_view name = "window";
  using value_type = window_result<key_type, aggregate_t<A>, std::chrono::nanoseconds>;

  time_window_source(S up, Spec spec, A agg, Cfg cfg)
      : base(std::move(up)),
        agg_(std::move(agg)),
        cfg_(std::move(cfg)),
        table_(cfg_.key_bound()),
        limit_(cfg_.key_bound()),
        counters_(cfg_.counters_ptr()),
        policy_(cfg_.bad_input_policy()) {
    if constexpr (sessions) {
      gap_ = spec.gap.count();
    } else {
      size_ = spec.size.count();
      slide_ = spec.slide.count();
      pane_ = std::gcd(size_, slide_);
    }
    if constexpr (event) {
      ooo_ = cfg_.ooo_ns();
      lateness_ = cfg_.lateness_ns();
    }
  }

  void start(const run_context& ctx) {
    base::start(ctx);
    clock_ = ctx.clock;
    policy_.start(ctx);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t budget = n;
    if (!out_.drain(budget, g)) return flow::more;
    if (finished_) return out_.empty() ? flow::done : flow::more;
    have_batch_time_ = false;
    std::size_t got = 0;
    const flow r = rstreams::push(this->up_, cfg_.batch_size(), [&](auto&& x) {
      ++got;
      on_element(std::forward<decltype(x)>(x));
      return true;
    });
    if (r == flow::done) {
      advance(time_after_all);
      finished_ = true;
    } else if constexpr (!event) {
      advance(have_batch_time_ ? batch_time_ : now_ns());
    } else {
      if (cfg_.idle_ns() > 0 && got == 0 && seen_any_) check_idle();
    }
    out_.drain(budget, g);
    return finished_ && out_.empty() ? flow::done : flow::more;
  }

 private:
  std::int64_t now_ns() const { return clock_->now().time_since_epoch().count(); }

  void read_batch_time() {
    if (!have_batch_time_) {
      batch_time_ = now_ns();
      have_batch_time_ = true;
    }
  }

  void check_idle() {
    const std::int64_t quiet = now_ns() - last_arrival_;
    if (quiet < cfg_.idle_ns()) return;
    const std::int64_t wm =
        std::min(max_ts_ - ooo_ + std::min(quiet, std::int64_t{1} << 61), time_after_all - 1);
    if (wm > wm_) {
      if (counters_) ++counters_->idle_advances;
      advance(wm);
    }
  }

  // The timestamp of `x`, read and checked under the bad-input policy; false: drop `x`.
  bool extract(const in_type& x, std::size_t i, std::int64_t& ts) {
    auto read = [this](const in_type& e) -> std::int64_t {
      auto& f = cfg_.timestamp();
      const auto& v = traits::value(e);
      using raw_t = std::remove_cvref_t<std::invoke_result_t<decltype(f), decltype(v)>>;
      static_assert(is_chrono_time_v<raw_t>,
                    "rstreams::window: the event_time extractor must return a std::chrono::duration or "
                    "time_point (the event's time since its epoch).");
      std::int64_t t = 0;
      if (!timestamp_ns(std::invoke(f, v), t))
        throw std::out_of_range("event timestamp outside the accepted range (±2^62 ns around the epoch)");
      if (cfg_.max_ahead_ns() > 0 && seen_any_ && t - max_ts_ > cfg_.max_ahead_ns())
        throw std::out_of_range("event timestamp " + std::to_string(t) + " ns is more than " +
                                std::to_string(cfg_.max_ahead_ns()) + " ns ahead of the latest event time " +
                                std::to_string(max_ts_) + " ns");
      return t;
    };
    const auto r = policy_.template run<std::int64_t>(name, base::position, i, read, x);
    if (!r) {
      if (counters_) ++counters_->skipped;
      return false;
    }
    ts = *r;
    return true;
  }

  template <class X>
  void on_element(X&& x) {
    const std::size_t i = index_++;
    if (counters_) ++counters_->elements;
    std::int64_t ts = 0;
    if constexpr (!event) {
      read_batch_time();
      ts = batch_time_;
      if constexpr (!sessions) locate(ts);
    } else {
      if (cfg_.idle_ns() > 0) {
        read_batch_time();
        last_arrival_ = batch_time_;
      }
      if (!extract(std::as_const(x), i, ts)) return;
      std::int64_t last_end;
      if constexpr (sessions) {
        last_end = ts + gap_;
      } else {
        locate(ts);
        last_end = pane_last_end_;
      }
      if (last_end + lateness_ <= wm_) {
        if (counters_) ++counters_->late;
        invoke_stage(name, base::position, i, cfg_.late_handler(), std::as_const(x));
        return;
      }
    }
    const auto found = table_.touch(
        traits::key(x), [] { return key_state{}; }, [&](const key_type& k, key_state& st) { evict(k, st); },
        [](key_state& st) { st.clear(); });
    add(found.slot, ts, traits::value(std::as_const(x)), i);
    if constexpr (event) {
      if (!seen_any_ || ts > max_ts_) max_ts_ = ts;
      seen_any_ = true;
      advance(max_ts_ - ooo_);
    }
  }

  void add_to(acc_type& acc, const typename traits::value_type& v, std::size_t i) {
    auto call = [this](acc_type& a, const typename traits::value_type& y) { agg_.add(a, y); };
    invoke_stage(name, base::position, i, call, acc, v);
  }

  void add(typename key_table<key_type, key_state>::slot_id slot, std::int64_t ts,
           const typename traits::value_type& v, std::size_t i) {
    key_state& st = table_.last_value();
    if constexpr (sessions) {
      const std::int64_t s = ts, e = ts + gap_;
      std::size_t hi = st.size();
      while (hi > 0 && st[hi - 1].start > e) --hi;
      std::size_t lo = hi;
      while (lo > 0 && st[lo - 1].end >= s) --lo;
      std::size_t at = lo;
      if (lo == hi) {
        st.insert(st.begin() + static_cast<std::ptrdiff_t>(hi),
                  session_state{s, e, agg_.init(), true, false});
      } else {
        auto& m = st[lo];
        for (std::size_t j = lo + 1; j < hi; ++j) {
          agg_.merge(m.acc, st[j].acc);
          m.end = std::max(m.end, st[j].end);
          m.emitted = m.emitted || st[j].emitted;
        }
        st.erase(st.begin() + static_cast<std::ptrdiff_t>(lo + 1),
                 st.begin() + static_cast<std::ptrdiff_t>(hi));
        m.start = std::min(m.start, s);
        m.end = std::max(m.end, e);
        m.pending = true;
      }
      add_to(st[at].acc, v, i);
      if (st[at].end <= wm_) {  // behind the watermark already (a late event within the lateness)
        emit_session(table_.key(slot), st[at], true);
      } else {
        next_fire_ = std::min(next_fire_, st[at].end);
      }
    } else {
      const std::int64_t p0 = pane_start_;  // located by on_element
      pane* it = st.end();
      while (it != st.begin() && (it - 1)->start > p0) --it;
      if (it != st.begin() && (it - 1)->start == p0)
        --it;
      else
        it = st.insert(it, pane{p0, agg_.init()});
      add_to(it->acc, v, i);
      if (pane_first_end_ > wm_) {  // the usual case: no window of this pane has fired yet
        next_fire_ = std::min(next_fire_, pane_first_end_);
        return;
      }
      const std::int64_t k_lo = pane_k_lo_;
      const std::int64_t k_hi = floor_div(p0, slide_);
      if constexpr (event) {
        // Windows already fired but still within the lateness get their updated result now.
        for (std::int64_t k = k_lo; k <= k_hi && k * slide_ + size_ <= wm_; ++k)
          if (k * slide_ + size_ + lateness_ > wm_) emit_window(table_.key(slot), st, k * slide_, true);
      }
      const std::int64_t k = std::max(k_lo, floor_div(wm_ - size_, slide_) + 1);
      if (k <= k_hi) next_fire_ = std::min(next_fire_, k * slide_ + size_);
    }
  }

  // The pane of `ts` and the first and last ends of the windows holding it; cached, since
  // consecutive events mostly share a pane, so the usual element costs no division.
  void locate(std::int64_t ts) {
    if (ts >= pane_start_ && ts - pane_start_ < pane_) return;
    pane_start_ = floor_div(ts, pane_) * pane_;
    pane_k_lo_ = floor_div(pane_start_ - size_, slide_) + 1;
    pane_first_end_ = pane_k_lo_ * slide_ + size_;
    pane_last_end_ = floor_div(pane_start_, slide_) * slide_ + size_;
  }

  void advance(std::int64_t wm) {
    if (wm <= wm_) return;
    wm_ = wm;
    if (wm_ >= next_fire_) fire_ready();
  }

  // The end of the first window after `after` that holds one of the key's panes.
  std::int64_t next_end(const key_state& st, std::int64_t after) const {
    for (const auto& p : st) {
      const std::int64_t k_hi = floor_div(p.start, slide_);
      if (k_hi * slide_ + size_ <= after) continue;
      const std::int64_t k =
          std::max(floor_div(p.start - size_, slide_) + 1, floor_div(after - size_, slide_) + 1);
      return k * slide_ + size_;
    }
    return no_time;
  }

  void emit_window(const key_type& key, const key_state& st, std::int64_t start, bool late) {
    const std::int64_t end = start + size_;
    if (counters_) ++counters_->fired;
    if (size_ == pane_) {  // tumbling: one pane is the window
      for (const auto& p : st)
        if (p.start == start) {
          out_.emplace(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end),
                                  agg_.result(p.acc), late});
          return;
        }
      out_.emplace(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end),
                              agg_.result(agg_.init()), late});
      return;
    }
    acc_type acc = agg_.init();
    for (const auto& p : st) {
      if (p.start >= end) break;
      if (p.start >= start) agg_.merge(acc, p.acc);
    }
    out_.emplace(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end),
                            agg_.result(acc), late});
  }

  void emit_session(const key_type& key, session_state& s, bool late) {
    if (counters_) ++counters_->fired;
    out_.emplace(value_type{key, std::chrono::nanoseconds(s.start), std::chrono::nanoseconds(s.end),
                            agg_.result(s.acc), late});
    s.pending = false;
    s.emitted = true;
  }

  void fire_ready() {
    if constexpr (sessions) {
      fired_scratch_.clear();
      std::int64_t next = no_time;
      table_.for_each([&](auto slot, const key_type& key, key_state& st) {
        for (auto& s : st) {
          if (s.pending && s.end <= wm_) {
            if (counters_) ++counters_->fired;
            fired_scratch_.push_back(
                {{s.end, slot},
                 value_type{key, std::chrono::nanoseconds(s.start), std::chrono::nanoseconds(s.end),
                            agg_.result(s.acc), s.emitted}});
            s.pending = false;
            s.emitted = true;
          } else if (s.pending) {
            next = std::min(next, s.end);
          }
        }
        st.erase_if([&](const session_state& s) { return !s.pending && s.end + lateness_ <= wm_; });
      });
      std::stable_sort(fired_scratch_.begin(), fired_scratch_.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& f : fired_scratch_) out_.emplace(std::move(f.second));
      next_fire_ = next;
    } else {
      // One pass finds each key's next window end; then every round fires the earliest end,
      // purging and recomputing only the keys it touched, until the watermark is reached.
      next_ends_.resize(table_.size());
      std::int64_t e = no_time;
      table_.for_each([&](auto slot, const key_type&, key_state& st) {
        next_ends_[slot] = st.empty() ? no_time : next_end(st, fired_);
        e = std::min(e, next_ends_[slot]);
      });
      while (e <= wm_) {
        std::int64_t next = no_time;
        table_.for_each([&](auto slot, const key_type& key, key_state& st) {
          if (!st.empty()) {
            if (next_ends_[slot] == e) emit_window(key, st, e - size_, false);
            const std::size_t before = st.size();
            purge(st, e);
            if (next_ends_[slot] == e || st.size() != before)
              next_ends_[slot] = st.empty() ? no_time : next_end(st, e);
          }
          next = std::min(next, next_ends_[slot]);
        });
        fired_ = e;
        e = next;
      }
      next_fire_ = e;
      fired_ = wm_;
    }
  }

  // Drops the panes whose every window has fired (end <= fired) and outlived the lateness.
  void purge(key_state& st, std::int64_t fired) {
    pane* keep = st.begin();
    while (keep != st.end()) {
      const std::int64_t last_end = floor_div(keep->start, slide_) * slide_ + size_;
      if (!(last_end <= fired && last_end + lateness_ <= wm_)) break;
      ++keep;
    }
    st.erase(st.begin(), keep);
  }

  // A key leaves the table: its open windows are emitted as they stand, or dropped.
  void evict(const key_type& key, key_state& st) {
    if (counters_) ++counters_->evicted;
    if (limit_.policy == on_evict::discard) {
      if (counters_) ++counters_->dropped;
      return;
    }
    if constexpr (sessions) {
      for (auto& s : st)
        if (s.pending) emit_session(key, s, s.emitted);
    } else {
      for (std::int64_t e = next_end(st, wm_); e != no_time; e = next_end(st, e))
        emit_window(key, st, e - size_, false);
    }
  }

  A agg_;
  Cfg cfg_;
  key_table<key_type, key_state> table_;
  key_limit limit_;
  agg_counters* counters_;
  policy_runner<std::remove_cvref_t<decltype(std::declval<const Cfg&>().bad_input_policy())>> policy_;
  rstreams::clock* clock_ = &steady_clock_source();
  out_buffer<value_type> out_;
  std::vector<std::int64_t> next_ends_;
  std::vector<std::pair<std::pair<std::int64_t, std::uint32_t>, value_type>> fired_scratch_;
  std::int64_t size_ = 0, slide_ = 0, pane_ = 1, gap_ = 0, ooo_ = 0, lateness_ = 0;
  std::int64_t wm_ = time_before_all;
  std::int64_t fired_ = time_before_all;
  std::int64_t next_fire_ = no_time;
  std::int64_t pane_start_ = no_time, pane_k_lo_ = 0, pane_first_end_ = 0, pane_last_end_ = 0;
  std::int64_t max_ts_ = 0;
  std::int64_t last_arrival_ = 0;
  std::int64_t batch_time_ = 0;
  std::size_t index_ = 0;
  bool have_batch_time_ = false;
  bool seen_any_ = false;
  bool finished_ = false;
};

}  // namespace rstreams::detail
