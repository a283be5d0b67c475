#pragma once
// One queue of the in-memory backend: its records in eid order, and the eid of the next one.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/record.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

/// Not thread-safe: mem_store calls it under its lock.
class mem_queue {
 public:
  explicit mem_queue(std::string name) : name_(std::move(name)) {}

  /// Gives each record the next eid (eid_sequencer: the clock's ms, never going back), the
  /// queue name as `event`, and `timestamp` / `event_source_timestamp` when they are 0, as the
  /// local backend does; stores copies; returns the last eid ("" for no records).
  std::string append(std::span<record> records, std::int64_t now_ms) {
    if (records.empty()) return {};
    records_.reserve(records_.size() + records.size());
    for (auto& r : records) {
      eids_.next(now_ms, r.eid);
      if (r.event != name_) r.event = name_;
      if (r.timestamp == 0) r.timestamp = now_ms;
      if (r.event_source_timestamp == 0) r.event_source_timestamp = r.timestamp;
      records_.push_back(r);
    }
    return records_.back().eid;
  }

  /// Appends to `out` up to `max` records with eid > `after` (an eid or a prefix: text order is
  /// eid order); returns how many.
  std::size_t read(std::string_view after, std::size_t max, std::vector<record>& out) const {
    const auto from = first_after(after);
    const auto n = std::min<std::size_t>(max, static_cast<std::size_t>(records_.end() - from));
    out.insert(out.end(), from, from + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  [[nodiscard]] bool has_after(std::string_view after) const { return first_after(after) != records_.end(); }

  [[nodiscard]] queue_info info() const {
    return {name_, records_.empty() ? std::string() : records_.back().eid,
            static_cast<std::uint64_t>(records_.size())};
  }

 private:
  [[nodiscard]] std::vector<record>::const_iterator first_after(std::string_view after) const {
    return std::upper_bound(records_.begin(), records_.end(), after,
                            [](std::string_view a, const record& r) { return a < r.eid; });
  }

  std::string name_;
  std::vector<record> records_;
  eid_sequencer eids_;  // the queue's eid sequence, shared code with the other backends
};

}  // namespace rstreams::bus::detail
