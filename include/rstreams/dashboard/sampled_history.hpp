#pragma once
// What the dashboard remembers between requests: per bot input a ring of lag samples, per queue
// a ring of rate samples, per bot a short log of the runs it saw end. Every ring has a fixed
// capacity and series of bots or queues gone from the bus are dropped, so memory is bounded by
// (bot inputs + queues) x capacity however long the server runs.

#include <rstreams/bus/stats.hpp>
#include <rstreams/dashboard/history_ring.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::dashboard {

/// A bot's lag in one queue at `at_ms`; `position` is its checkpoint's log position and
/// `read_rate` the events per second it moved since the previous sample.
struct lag_sample {
  std::int64_t at_ms = 0;
  std::uint64_t lag_events = 0;
  std::int64_t lag_ms = 0;
  std::int64_t source_lag_ms = 0;
  std::uint64_t position = 0;
  double read_rate = 0;
};

/// A queue's head position at `at_ms` and its write rate since the previous sample.
struct rate_sample {
  std::int64_t at_ms = 0;
  std::uint64_t head = 0;
  double rate = 0;
};

/// A run seen to end between two samples: its times and outcome from the bot's state, and the
/// events it counted in and out since the previous run the server saw (runs shorter than the
/// sample interval are merged into the last one).
struct run_record {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string outcome;
  std::string error;
  std::uint64_t events_in = 0;
  std::uint64_t events_out = 0;
};

/// Thread-safe; `record` is called by the sampler, the getters by request handlers.
class sampled_history {
 public:
  explicit sampled_history(std::size_t capacity, std::size_t runs_kept = 20)
      : capacity_(capacity), runs_kept_(runs_kept) {
    history_ring<int> check(capacity);  // the capacity rules, once
    history_ring<int> check_runs(runs_kept);
  }

  /// One sample of every bot input and queue in `s`, at `s.at_ms`.
  void record(const bus::bus_stats& s) {
    std::lock_guard lock(mu_);
    std::map<std::string, history_ring<rate_sample>, std::less<>> queues;
    for (const auto& q : s.queues) {
      auto it = queues_.find(q.name);
      auto ring = it != queues_.end() ? std::move(it->second) : history_ring<rate_sample>(capacity_);
      rate_sample r{s.at_ms, q.head_position, 0};
      if (!ring.empty()) r.rate = per_second(ring.back().head, q.head_position, ring.back().at_ms, s.at_ms);
      ring.add(r);
      queues.emplace(q.name, std::move(ring));
    }
    queues_ = std::move(queues);

    std::map<std::pair<std::string, std::string>, history_ring<lag_sample>, std::less<>> lags;
    std::map<std::string, bot_runs, std::less<>> runs;
    for (const auto& b : s.bots) {
      for (const auto& l : b.inputs) {
        const auto key = std::pair{b.id, l.queue};
        auto it = lags_.find(key);
        auto ring = it != lags_.end() ? std::move(it->second) : history_ring<lag_sample>(capacity_);
        lag_sample x{s.at_ms, l.lag_events, l.lag_ms, l.source_lag_ms, l.checkpoint_position, 0};
        if (!ring.empty() && l.checkpoint_position >= ring.back().position)
          x.read_rate = per_second(ring.back().position, l.checkpoint_position, ring.back().at_ms, s.at_ms);
        ring.add(x);
        lags.emplace(key, std::move(ring));
      }
      auto it = runs_.find(b.id);
      auto r = it != runs_.end() ? std::move(it->second) : bot_runs{history_ring<run_record>(runs_kept_)};
      if (b.state.last_run_end > 0 && b.state.last_run_end != r.last_end) {
        const bool first = r.last_end == 0 && r.log.empty();
        r.log.add(run_record{b.state.last_run_start, b.state.last_run_end, b.state.last_outcome,
                             b.state.last_outcome == "ok" ? std::string() : b.state.last_error,
                             first ? 0 : b.state.events_in - std::min(b.state.events_in, r.in_total),
                             first ? 0 : b.state.events_out - std::min(b.state.events_out, r.out_total)});
        r.last_end = b.state.last_run_end;
      }
      r.in_total = b.state.events_in;
      r.out_total = b.state.events_out;
      runs.emplace(b.id, std::move(r));
    }
    lags_ = std::move(lags);
    runs_ = std::move(runs);
  }

  /// Oldest first; empty for an unknown series.
  [[nodiscard]] std::vector<lag_sample> lag(std::string_view bot, std::string_view queue) const {
    std::lock_guard lock(mu_);
    const auto it = lags_.find(std::pair{std::string(bot), std::string(queue)});
    return it != lags_.end() ? it->second.values() : std::vector<lag_sample>{};
  }
  [[nodiscard]] std::vector<rate_sample> rates(std::string_view queue) const {
    std::lock_guard lock(mu_);
    const auto it = queues_.find(queue);
    return it != queues_.end() ? it->second.values() : std::vector<rate_sample>{};
  }
  /// Newest last.
  [[nodiscard]] std::vector<run_record> runs(std::string_view bot) const {
    std::lock_guard lock(mu_);
    const auto it = runs_.find(bot);
    return it != runs_.end() ? it->second.log.values() : std::vector<run_record>{};
  }
  /// The newest read rate of a bot in a queue (0 before two samples).
  [[nodiscard]] double read_rate(std::string_view bot, std::string_view queue) const {
    std::lock_guard lock(mu_);
    const auto it = lags_.find(std::pair{std::string(bot), std::string(queue)});
    return it != lags_.end() && !it->second.empty() ? it->second.back().read_rate : 0.0;
  }
  /// The newest write rate of a queue (0 before two samples).
  [[nodiscard]] double write_rate(std::string_view queue) const {
    std::lock_guard lock(mu_);
    const auto it = queues_.find(queue);
    return it != queues_.end() && !it->second.empty() ? it->second.back().rate : 0.0;
  }

  /// Rate samples held for a queue.
  [[nodiscard]] std::size_t rate_samples(std::string_view queue) const {
    std::lock_guard lock(mu_);
    const auto it = queues_.find(queue);
    return it != queues_.end() ? it->second.size() : 0;
  }

  /// Series held (bot inputs + queues + bots with runs).
  [[nodiscard]] std::size_t series() const {
    std::lock_guard lock(mu_);
    return lags_.size() + queues_.size() + runs_.size();
  }
  /// Sample slots allocated over every ring: at most series() x capacity.
  [[nodiscard]] std::size_t storage() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [_, r] : lags_) n += r.storage();
    for (const auto& [_, r] : queues_) n += r.storage();
    for (const auto& [_, r] : runs_) n += r.log.storage();
    return n;
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct bot_runs {
    history_ring<run_record> log;
    std::int64_t last_end = 0;
    std::uint64_t in_total = 0;
    std::uint64_t out_total = 0;
  };

  static double per_second(std::uint64_t from, std::uint64_t to, std::int64_t from_ms, std::int64_t to_ms) {
    if (to_ms <= from_ms || to < from) return 0;
    return static_cast<double>(to - from) * 1000.0 / static_cast<double>(to_ms - from_ms);
  }

  mutable std::mutex mu_;
  std::size_t capacity_;
  std::size_t runs_kept_;
  std::map<std::pair<std::string, std::string>, history_ring<lag_sample>, std::less<>> lags_;
  std::map<std::string, history_ring<rate_sample>, std::less<>> queues_;
  std::map<std::string, bot_runs, std::less<>> runs_;
};

}  // namespace rstreams::dashboard
