#pragma once
// The bus's one wall clock: milliseconds since the epoch, UTC. The time base of event
// timestamps, eids, checkpoint `updated_at` and lease expiry, for every backend.

#include <chrono>
#include <cstdint>

namespace rstreams::bus::detail {

/// Milliseconds since the epoch, UTC (std::chrono::system_clock).
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace rstreams::bus::detail
