#pragma once
// What a keyed or windowed operator did besides its output, for the user to inspect after
// (or during) a run: the operator writes into a struct the caller owns.

#include <cstdint>

namespace rstreams {

/// Counts kept by the aggregation operators when given `&counters`.
struct agg_counters {
  std::uint64_t elements = 0;  ///< elements taken from upstream
  std::uint64_t evicted = 0;   ///< keys evicted by the key limit (emitted or dropped)
  std::uint64_t dropped = 0;   ///< evicted states dropped (on_evict::discard)
  std::uint64_t late = 0;      ///< events later than the allowed lateness (sent to on_late, or dropped)
  std::uint64_t skipped = 0;   ///< bad input skipped by the skip policy (timestamp errors, far-off events)
  std::uint64_t idle_advances = 0;  ///< times the idle timeout moved event time forward
  std::uint64_t fired = 0;          ///< window results emitted
};

}  // namespace rstreams
