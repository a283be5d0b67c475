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
// always give the same output, whatever the batch size and the consumer's demand.
//
// Cost model of the per-element path (tumbling and sliding): one index lookup (a multiply and
// usually one bucket read), one read of the key's current pane and one add, plus a few
// compares against values held in registers; nothing per element is virtual or goes through
// an optional or a std::function (user functions are called inline). A firing visits every
// key once per window end and hands its results straight to the consumer while it has demand.

#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/key_table.hpp>
#include <rstreams/agg/detail/small_vec.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/window_config.hpp>
#include <rstreams/agg/window_result.hpp>
#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
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
  using key_state = small_vec<part, small_vec_capacity<part>>;
  using slot_id = typename key_table<key_type, key_state>::slot_id;
  // The pane that a key's events are currently going to, kept apart from the key's other panes
  // in an array by slot: the per-element path touches only the index, the packed keys and this
  // (a few bytes per key), so a large key space stays in L1. It is newer than every pane in
  // the key's state, and no window holding it has fired; anything that reads or changes a
  // key's panes first flushes it into them.
  struct hot_pane {
    std::int64_t start = no_time;
    acc_type acc{};
  };

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
    // Results of this step go straight to `g` while its budget lasts (see `put`).
    using gen = std::remove_reference_t<G>;
    direct_ =
        direct_sink{&g, [](void* c, value_type&& v) -> bool { return (*static_cast<gen*>(c))(std::move(v)); },
                    budget, false};
    struct direct_off {
      direct_sink& d;
      ~direct_off() { d.budget = 0; }
    } off{direct_};
    have_batch_time_ = false;
    std::size_t got = 0;
    flow r;
    try {
      if constexpr (sessions)
        r = rstreams::push(this->up_, cfg_.batch_size(), [&](auto&& x) {
          ++got;
          on_element(std::forward<decltype(x)>(x));
          return true;
        });
      else
        r = pull_panes(got);
    } catch (...) {
      if (counters_) counters_->elements += got;
      throw;
    }
    if (counters_) counters_->elements += got;
    if (r == flow::done) {
      advance(time_after_all);
      finished_ = true;
    } else if constexpr (!event) {
      advance(have_batch_time_ ? batch_time_ : now_ns());
    } else {
      if (cfg_.idle_ns() > 0 && got == 0 && seen_any_) check_idle();
    }
    budget = direct_.budget;
    direct_.budget = 0;
    if (direct_.stopped) return flow::more;  // `g` said stop
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
  // `max_ts`: the latest event time, or time_before_all before the first event; `max_ahead`:
  // the setting (0: off).
  bool extract(const in_type& x, std::size_t i, std::int64_t& ts, std::int64_t max_ts,
               std::int64_t max_ahead) {
    auto read = [this, max_ts, max_ahead](const in_type& e) -> std::int64_t {
      auto& f = cfg_.timestamp();
      const auto& v = traits::value(e);
      using raw_t = std::remove_cvref_t<std::invoke_result_t<decltype(f), decltype(v)>>;
      static_assert(is_chrono_time_v<raw_t>,
                    "rstreams::window: the event_time extractor must return a std::chrono::duration or "
                    "time_point (the event's time since its epoch).");
      std::int64_t t = 0;
      if (!timestamp_ns(std::invoke(f, v), t))
        throw std::out_of_range("event timestamp outside the accepted range (±2^62 ns around the epoch)");
      if (max_ahead > 0) [[unlikely]] {
        if (max_ts != time_before_all && t - max_ts > max_ahead)
          throw std::out_of_range("event timestamp " + std::to_string(t) + " ns is more than " +
                                  std::to_string(max_ahead) + " ns ahead of the latest event time " +
                                  std::to_string(max_ts) + " ns");
      }
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

  // Tumbling and sliding windows: one upstream step. The per-element path keeps the hot state
  // (watermark, next firing, latest event time, the cached pane, the index snapshot) in locals,
  // so stores into accumulators cannot force it to be reloaded, and touches per element only
  // the index, the packed keys and the key's current pane; the rare paths (a new key, another
  // pane, a late event, a firing) write the state back, run the member code, and reload.
  // In event time the watermark is max(wm, max_ts - ooo) and is only formed when needed: an
  // event later than both is not late, and the next firing is a bound on max_ts.
  flow pull_panes(std::size_t& got) {
    std::int64_t wm = wm_, next_fire = next_fire_;
    std::int64_t max_ts = seen_any_ ? max_ts_ : time_before_all;  // below every timestamp
    const std::int64_t ooo = ooo_;
    const auto fire_bound = [ooo](std::int64_t end) {  // max_ts from which `end` fires
      return end > no_time - ooo ? no_time : end + ooo;
    };
    std::int64_t fire_at = fire_bound(next_fire);
    // The cached pane: its start and the watermark from which its events are late.
    std::int64_t p_start = pane_start_, p_late = pane_last_end_ + lateness_;
    const std::size_t i0 = index_;
    std::size_t i = i0;
    std::int64_t now = 0;
    bool need_now = !event || cfg_.idle_ns() > 0;  // the clock is read once per step, if at all
    const bool want_now = need_now;                // then `want_now && !need_now`: the clock was read
    const auto pane_len = static_cast<std::uint64_t>(pane_);
    auto probe = table_.lookup();
    hot_pane* hot = hot_.data();

    const auto store = [&] {
      wm_ = std::max(wm, max_ts - ooo);
      next_fire_ = next_fire;
      seen_any_ = max_ts != time_before_all;
      max_ts_ = seen_any_ ? max_ts : 0;
      index_ = i;
      if (want_now && !need_now) {
        batch_time_ = now;
        have_batch_time_ = true;
      }
    };
    const auto load = [&] {
      wm = wm_;
      next_fire = next_fire_;
      fire_at = fire_bound(next_fire);
      probe = table_.lookup();
      hot = hot_.data();
    };

    const std::int64_t max_ahead = cfg_.max_ahead_ns();
    const auto step = [&](auto&& x) {
      const std::size_t idx = i++;
      if (need_now) {
        now = now_ns();
        need_now = false;
      }
      std::int64_t ts;
      if constexpr (!event) {
        ts = now;
      } else {
        if (!extract(std::as_const(x), idx, ts, max_ts, max_ahead)) return true;
      }
      // A new pane? (unsigned: also true below the cached one). Consecutive events mostly share one.
      if (static_cast<std::uint64_t>(ts) - static_cast<std::uint64_t>(p_start) >= pane_len) {
        locate(ts);
        p_start = pane_start_;
        p_late = pane_last_end_ + lateness_;
      }
      if constexpr (event) {
        if ((ts <= max_ts || ts <= wm) && p_late <= std::max(wm, max_ts - ooo)) {
          if (counters_) ++counters_->late;
          invoke_stage(name, base::position, idx, cfg_.late_handler(), std::as_const(x));
          return true;
        }
      }
      auto slot = probe.find(traits::key(x));
      if (slot == key_table<key_type, key_state>::none) {
        store();
        slot = table_
                   .touch(
                       traits::key(x), [] { return key_state{}; },
                       [&](const key_type& k, key_state& st, slot_id s) { evict(k, st, s); },
                       [](key_state& st) { st.clear(); })
                   .slot;
        if (hot_.size() < table_.size()) hot_.resize(table_.size());
        load();
      }
      hot_pane& h = hot[slot];
      if (h.start == p_start) {  // the usual case: the key's current pane
        add_to(h.acc, traits::value(std::as_const(x)), idx);
      } else if (h.start == no_time && pane_first_end_ > std::max(wm, max_ts - ooo) &&
                 (probe.value(slot).empty() || probe.value(slot).back().start < p_start)) {
        // The key's first event in a new pane (after its last one fired): it becomes current.
        h.start = p_start;
        h.acc = agg_.init();
        add_to(h.acc, traits::value(std::as_const(x)), idx);
        if (pane_first_end_ < next_fire) {
          next_fire = pane_first_end_;
          fire_at = fire_bound(next_fire);
        }
      } else {
        store();
        add(slot, traits::value(std::as_const(x)), idx);
        load();
      }
      if constexpr (event) {
        if (ts > max_ts) {
          max_ts = ts;
          if (ts >= fire_at) {
            store();
            fire_ready();
            load();
            if (direct_.stopped) return false;  // downstream is satisfied: end the step
          }
        }
      }
      return true;
    };
    flow r;
    try {
      r = rstreams::push(this->up_, cfg_.batch_size(), step);
    } catch (...) {
      got = i - i0;
      throw;
    }
    got = i - i0;
    store();
    if (event && want_now && !need_now) last_arrival_ = now;
    return r;
  }

  // The pane of `ts` and the first and last ends of the windows holding it.
  void locate(std::int64_t ts) {
    pane_start_ = floor_div(ts, pane_) * pane_;
    pane_k_lo_ = floor_div(pane_start_ - size_, slide_) + 1;
    pane_first_end_ = pane_k_lo_ * slide_ + size_;
    pane_last_end_ = floor_div(pane_start_, slide_) * slide_ + size_;
  }

  // Sessions: one element.
  template <class X>
  void on_element(X&& x) {
    const std::size_t i = index_++;
    std::int64_t ts = 0;
    if constexpr (!event) {
      read_batch_time();
      ts = batch_time_;
    } else {
      if (cfg_.idle_ns() > 0) {
        read_batch_time();
        last_arrival_ = batch_time_;
      }
      if (!extract(std::as_const(x), i, ts, seen_any_ ? max_ts_ : time_before_all, cfg_.max_ahead_ns()))
        return;
      if (ts + gap_ + lateness_ <= wm_) {
        if (counters_) ++counters_->late;
        invoke_stage(name, base::position, i, cfg_.late_handler(), std::as_const(x));
        return;
      }
    }
    const auto found = table_.touch(
        traits::key(x), [] { return key_state{}; },
        [&](const key_type& k, key_state& st, slot_id s) { evict(k, st, s); },
        [](key_state& st) { st.clear(); });
    add_session(found.slot, ts, traits::value(std::as_const(x)), i);
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

  void add_session(slot_id slot, std::int64_t ts, const typename traits::value_type& v,
                   std::size_t i) requires sessions {
    key_state& st = table_.value(slot);
    const std::int64_t s = ts, e = ts + gap_;
    std::size_t hi = st.size();
    while (hi > 0 && st[hi - 1].start > e) --hi;
    std::size_t lo = hi;
    while (lo > 0 && st[lo - 1].end >= s) --lo;
    std::size_t at = lo;
    if (lo == hi) {
      st.insert(st.begin() + static_cast<std::ptrdiff_t>(hi), session_state{s, e, agg_.init(), true, false});
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
  }

  // Moves the key's current pane into its panes.
  void flush(hot_pane& h, key_state& st) requires(!sessions) {
    if (h.start == no_time) return;
    pane* it = st.end();
    while (it != st.begin() && (it - 1)->start > h.start) --it;
    if (it != st.begin() && (it - 1)->start == h.start)
      agg_.merge((it - 1)->acc, h.acc);
    else
      st.insert(it, pane{h.start, std::move(h.acc)});
    h.start = no_time;
  }
  void flush(slot_id slot) requires(!sessions) { flush(hot_[slot], table_.value(slot)); }

  // Adds to the pane located by `pull_panes` (pane_start_ and the cache with it) when it is
  // not the key's current pane: it becomes the current one if it is the newest and no window
  // holding it has fired; else it is added among the key's panes (a late event within the
  // allowed lateness re-emits the updated windows).
  void add(slot_id slot, const typename traits::value_type& v, std::size_t i) requires(!sessions) {
    key_state& st = table_.value(slot);
    flush(slot);
    const std::int64_t p0 = pane_start_;
    if (pane_first_end_ > wm_ && (st.empty() || st.back().start <= p0)) {
      hot_pane& h = hot_[slot];
      if (!st.empty() && st.back().start == p0) {
        h.acc = std::move(st.back().acc);
        st.erase(st.end() - 1, st.end());
      } else {
        h.acc = agg_.init();
      }
      h.start = p0;
      add_to(h.acc, v, i);
      next_fire_ = std::min(next_fire_, pane_first_end_);
      return;
    }
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
          put(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end),
                         agg_.result(p.acc), late});
          return;
        }
      put(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end),
                     agg_.result(agg_.init()), late});
      return;
    }
    acc_type acc = agg_.init();
    for (const auto& p : st) {
      if (p.start >= end) break;
      if (p.start >= start) agg_.merge(acc, p.acc);
    }
    put(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(end), agg_.result(acc),
                   late});
  }

  void emit_session(const key_type& key, session_state& s, bool late) {
    if (counters_) ++counters_->fired;
    put(value_type{key, std::chrono::nanoseconds(s.start), std::chrono::nanoseconds(s.end),
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
      for (auto& f : fired_scratch_) put(std::move(f.second));
      next_fire_ = next;
    } else {
      // Window ends come in order: each round fires the earliest pending end (next_fire_ is
      // never later than it) for every key, by slot, and finds the next one.
      std::int64_t e = next_fire_;
      while (e <= wm_) {
        std::int64_t next = no_time;
        table_.for_each([&](slot_id slot, const key_type& key, key_state& st) {
          hot_pane& h = hot_[slot];
          if (st.empty()) {  // the usual cases without a call: only a current pane, or nothing
            if (h.start >= e) {
              if (h.start != no_time) next = std::min(next, next_after(h.start, e));
              return;
            }
            if (size_ == slide_ && lateness_ == 0) {  // tumbling: the current pane's window fires
              emit_acc(key, h.start, h.acc);
              h.start = no_time;
              return;
            }
          }
          next = std::min(next, fire_key(key, st, h, e));
        });
        e = next;
      }
      next_fire_ = e;
    }
  }

  // Fires the key's window ending at `e` if it holds one of the key's panes, drops the panes
  // no later window needs (once past the lateness) and returns the key's next window end.
  // `e` is a window end, so all of this is done without a division in the usual cases.
  std::int64_t fire_key(const key_type& key, key_state& st, hot_pane& h, std::int64_t e) requires(!sessions) {
    const std::int64_t start = e - size_;
    if (size_ == slide_) {  // tumbling: one pane is the window
      if (h.start == start) {
        emit_acc(key, start, h.acc);
      } else {
        for (const auto& p : st) {
          if (p.start > start) break;
          if (p.start == start) emit_acc(key, start, p.acc);
        }
      }
    } else {
      bool any = false;
      acc_type acc = agg_.init();
      for (const auto& p : st) {
        if (p.start >= e) break;
        if (p.start >= start) {
          agg_.merge(acc, p.acc);
          any = true;
        }
      }
      if (h.start >= start && h.start < e) {
        agg_.merge(acc, h.acc);
        any = true;
      }
      if (any) emit_acc(key, start, acc);
    }
    if (h.start < e) {  // a window of the current pane fired: it is current no more
      if (st.empty() && gone(h.start, e))
        h.start = no_time;
      else
        flush(h, st);
    }
    pane* keep = st.begin();
    while (keep != st.end() && gone(keep->start, e)) ++keep;
    st.erase(st.begin(), keep);
    for (const auto& p : st)
      if (const std::int64_t n = next_after(p.start, e); n != no_time) return n;
    return h.start == no_time ? no_time : next_after(h.start, e);
  }

  // Whether the pane starting at `p` is in no window ending after `e` (a window end) and its
  // last window is past the lateness.
  bool gone(std::int64_t p, std::int64_t e) const noexcept {
    if (p >= e - size_ + slide_) return false;
    if (lateness_ == 0) return true;
    return floor_div(p, slide_) * slide_ + size_ + lateness_ <= wm_;
  }

  // The first window end after `e` (a window end) whose window holds the pane starting at `p`.
  std::int64_t next_after(std::int64_t p, std::int64_t e) const noexcept {
    if (p < e) return e + slide_ - size_ <= p ? e + slide_ : no_time;
    const std::int64_t d = p - e;
    return d < slide_ ? e + slide_ : e + (d / slide_ + 1) * slide_;
  }

  // Hands a result downstream: directly during a step while the consumer has budget (a firing
  // of every key then costs no copy into the queue and back), else into the queue.
  void put(value_type&& v) {
    if (direct_.budget != 0 && out_.empty()) {
      --direct_.budget;
      if (!direct_.deliver(direct_.ctx, std::move(v))) {
        direct_.budget = 0;
        direct_.stopped = true;
      }
      return;
    }
    out_.emplace(std::move(v));
  }

  void emit_acc(const key_type& key, std::int64_t start, const acc_type& acc) {
    if (counters_) ++counters_->fired;
    put(value_type{key, std::chrono::nanoseconds(start), std::chrono::nanoseconds(start + size_),
                   agg_.result(acc), false});
  }

  // A key leaves the table: its open windows are emitted as they stand, or dropped.
  void evict(const key_type& key, key_state& st, [[maybe_unused]] slot_id slot) {
    if constexpr (!sessions) flush(slot);
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
  // The consumer of the current step: results are handed to it directly while it has budget
  // and nothing is queued before them, else queued in out_.
  struct direct_sink {
    void* ctx = nullptr;
    bool (*deliver)(void*, value_type&&) = nullptr;
    std::size_t budget = 0;
    bool stopped = false;
  };
  direct_sink direct_;
  std::vector<hot_pane> hot_;
  std::vector<std::pair<std::pair<std::int64_t, std::uint32_t>, value_type>> fired_scratch_;
  std::int64_t size_ = 0, slide_ = 0, pane_ = 1, gap_ = 0, ooo_ = 0, lateness_ = 0;
  std::int64_t wm_ = time_before_all;
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
