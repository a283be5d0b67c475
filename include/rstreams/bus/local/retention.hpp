#pragma once
// Retention of the local backend: which whole segments of a queue are removed, and what a
// caller is told (and may archive) about each.

#include <rstreams/bus/record.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rstreams::bus {

/// One segment retention removed: its records (filled only when an archive callback is set),
/// its eid range and size.
struct removed_segment {
  std::string queue;
  std::string file;  // the segment's path (gone once the callback returned)
  std::uint64_t number = 0;
  std::string first_eid;
  std::string last_eid;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::vector<record> events;
};

/// Called with each segment before it is removed; when it throws, the segment is kept and the
/// exception propagates (an archive that failed never loses events).
using retention_archive = std::function<void(const removed_segment&)>;

/// When whole segments of a queue are removed. Only closed segments are candidates (never the
/// one being appended to), oldest first; a segment goes when it is older than `max_age` (its
/// last write, by the backend's clock) or while the queue's segments hold more than
/// `max_bytes`. Unset limits keep everything (the default).
struct retention_policy {
  std::optional<std::chrono::milliseconds> max_age{};
  std::optional<std::uint64_t> max_bytes{};
  /// Receives each segment's records before it is removed (e.g. archive_jsonl_gz).
  retention_archive archive{};

  [[nodiscard]] bool active() const noexcept { return max_age.has_value() || max_bytes.has_value(); }
};

/// What one retention pass removed from one queue.
struct retention_report {
  std::string queue;
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::string removed_through;  // the last eid removed ("" when none)
};

}  // namespace rstreams::bus
