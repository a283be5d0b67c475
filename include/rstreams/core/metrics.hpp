#pragma once
// Pipeline metrics: the live counters of metered stages (core/metered.hpp) and bots, kept in a
// registry that outlives the runs and is read while they run (to_prometheus in
// core/metrics_text.hpp). Nothing here runs unless a pipeline is metered: an unmetered
// pipeline has no counter, no pointer test and no atomic in its element path.

#include <rstreams/core/stage_metrics.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams {

/// What `metrics_registry::snapshot` returns for one stage or bot.
struct stage_metrics_snapshot {
  std::string pipeline;  ///< the pipeline's name, or the bot's id
  std::size_t position = 0;
  std::string stage;  ///< the operator's name ("transform"), or "bot"
  bool bot = false;
  std::uint64_t in = 0, out = 0, errors = 0, retries = 0, dead_lettered = 0, commits = 0;
  std::int64_t channel_depth = -1, channel_capacity = -1, in_flight = -1, in_flight_limit = -1;
};

/// Where metered pipelines and bots keep their counters. Thread-safe; a counter block, once
/// made, stays at its address for the registry's life, and the same name, position and stage
/// give the same block (a pipeline run again adds to its totals). Keep the registry alive while
/// the pipelines that use it run.
/// (A template only so that a translation unit that includes this header without using it compiles
/// none of its body: the umbrella's compile time, benchmarks/compile_time. Use the name below.)
template <class = void>
class basic_metrics_registry {
 public:
  basic_metrics_registry() = default;
  basic_metrics_registry(const basic_metrics_registry&) = delete;
  basic_metrics_registry& operator=(const basic_metrics_registry&) = delete;

  /// The counters of stage `position` (operator `stage`) of the pipeline named `pipeline`.
  stage_metrics& stage(std::string_view pipeline, std::size_t position, std::string_view stage) {
    return entry({pipeline, position, stage, false});
  }
  /// The counters of bot `bot` in this process.
  stage_metrics& bot(std::string_view bot) { return entry({bot, 0, "bot", true}); }

  /// Where `m` reads its in count (a boundary counter, or a one-to-one stage before it) and
  /// whether it maps one to one. Metered stages wire this when they are built, under the
  /// registry's lock, since a scrape may read them at the same time.
  void connect(stage_metrics& m, const std::atomic<std::uint64_t>* in, const stage_metrics* in_stage,
               bool one_to_one) {
    std::lock_guard lock(mutex_);
    m.in = in != nullptr ? in : &m.own_in;
    m.in_stage = in_stage;
    m.one_to_one = one_to_one;
  }

  /// Every block's figures, in the order they were made.
  [[nodiscard]] std::vector<stage_metrics_snapshot> snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<stage_metrics_snapshot> out;
    out.reserve(entries_.size());
    constexpr auto r = std::memory_order_relaxed;
    for (const auto& e : entries_) {
      stage_metrics_snapshot s;
      s.pipeline = e.pipeline;
      s.position = e.position;
      s.stage = e.stage;
      s.bot = e.bot;
      const auto& m = e.metrics;
      s.errors = m.errors.load(r);
      s.in = m.in_count();
      s.out = m.out_count();
      s.retries = m.retries.load(r);
      s.dead_lettered = m.dead_lettered.load(r);
      s.commits = m.commits.load(r);
      s.channel_depth = m.channel_depth.load(r);
      s.channel_capacity = m.channel_capacity.load(r);
      s.in_flight = m.in_flight.load(r);
      s.in_flight_limit = m.in_flight_limit.load(r);
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  struct key {
    std::string_view pipeline;
    std::size_t position;
    std::string_view stage;
    bool bot;
  };
  struct named {
    explicit named(const key& k) : pipeline(k.pipeline), position(k.position), stage(k.stage), bot(k.bot) {}
    std::string pipeline;
    std::size_t position;
    std::string stage;
    bool bot;
    stage_metrics metrics;
  };

  // The key by reference: seven register-sized arguments would put one on the stack, and GCC
  // then keeps a frame pointer in the function that builds a metered pipeline, the function the
  // pipeline's whole loop is inlined into (one register fewer there: 5% on chain10).
  stage_metrics& entry(const key& k) {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
      if (e.bot == k.bot && e.position == k.position && e.pipeline == k.pipeline && e.stage == k.stage)
        return e.metrics;
    return entries_.emplace_back(k).metrics;
  }

  mutable std::mutex mutex_;
  std::deque<named> entries_;  // a deque: blocks never move
};

/// Where metered pipelines and bots keep their counters (basic_metrics_registry above).
using metrics_registry = basic_metrics_registry<>;

}  // namespace rstreams
