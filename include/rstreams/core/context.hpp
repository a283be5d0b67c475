#pragma once
// What a running pipeline shares with every stage: the stop token and the clock.

#include <rstreams/core/clock.hpp>

#include <stop_token>

namespace rstreams {

class run_scope;       // core/scheduler.hpp
struct stage_metrics;  // core/stage_metrics.hpp

/// Handed to every stage by `run` before the first pull (through `start`).
/// Stages that block (a channel wait, a followed file, a timer) must honour `stop`
/// and take their time from `clock`, never from the system directly.
struct run_context {
  std::stop_token stop{};
  rstreams::clock* clock = &rstreams::steady_clock_source();
  /// Where stages spawn concurrent work (set by `run`; null when a stage is used outside a run,
  /// in which case it opens a scope of its own).
  run_scope* scope = nullptr;
  /// The counters of the stage being started, when it is metered (core/metered.hpp sets it for
  /// the stage it wraps and clears it for that stage's upstream); null otherwise.
  stage_metrics* metrics = nullptr;

  [[nodiscard]] bool stop_requested() const noexcept { return stop.stop_requested(); }
};

}  // namespace rstreams
