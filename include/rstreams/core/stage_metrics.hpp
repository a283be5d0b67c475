#pragma once
// The counters of one metered stage or bot (see core/metrics.hpp for the registry that keeps
// them). Apart so that every stage can count its retries and dead letters with <atomic> alone.

#include <atomic>
#include <cstdint>

namespace rstreams {

/// The counters of one stage of a metered pipeline (or of one bot: `bot` set). Relaxed
/// atomics, added to once per push call (a batch), not per element, where the stage allows it;
/// each figure is exact on its own once the run is over, and a reading taken while it runs may
/// see a batch leave a stage before it is counted in.
struct stage_metrics {
  /// Where the count of elements that reached the stage is kept: a counter of the boundary
  /// before it, or (`in_stage`) the output of a one-to-one stage before it.
  const std::atomic<std::uint64_t>* in = &own_in;
  const stage_metrics* in_stage = nullptr;
  /// A one-to-one stage (transform) counts nothing itself: what it handed on is what reached
  /// it, less the elements it failed on. Other stages count what they hand on here.
  bool one_to_one = false;
  std::atomic<std::uint64_t> own_in{0};
  std::atomic<std::uint64_t> own_out{0};
  /// Elements the stage failed on for good (skipped, dead-lettered, or failing the run).
  std::atomic<std::uint64_t> errors{0};
  /// Calls of the stage's function repeated under on_error::retry.
  std::atomic<std::uint64_t> retries{0};
  /// Elements handed to an on_error::dead_letter sink (or a bot's dead-letter queue).
  std::atomic<std::uint64_t> dead_lettered{0};
  /// Checkpoint commits (bots).
  std::atomic<std::uint64_t> commits{0};
  /// Items in the stage's channel and its capacity (async boundaries, merges), and elements
  /// taken from upstream and not yet handed on with its limit (parallel stages); -1 where the
  /// stage has none.
  std::atomic<std::int64_t> channel_depth{-1};
  std::atomic<std::int64_t> channel_capacity{-1};
  std::atomic<std::int64_t> in_flight{-1};
  std::atomic<std::int64_t> in_flight_limit{-1};

  /// Elements that reached the stage so far.
  [[nodiscard]] std::uint64_t in_count() const noexcept {
    return in_stage != nullptr ? in_stage->out_count() : in->load(std::memory_order_relaxed);
  }
  /// Elements the stage handed on so far.
  [[nodiscard]] std::uint64_t out_count() const noexcept {
    if (!one_to_one) return own_out.load(std::memory_order_relaxed);
    const auto n = in_count();
    const auto e = errors.load(std::memory_order_relaxed);
    return n > e ? n - e : 0;
  }
};

}  // namespace rstreams
