#pragma once
// The lineage of a derived event: which queue it came from and which parent eids it covers.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace rstreams::bus {

/// Lineage and checkpoint bookkeeping carried by a derived event (RStreams' `correlation_id`):
/// `source` is the parent queue, `start` the first parent eid, `end` the last one when several
/// parents made this event (empty means the same as `start`), `units` how many parents it covers.
struct correlation {
  std::string source;
  std::string start;
  std::string end;
  std::uint64_t units = 1;

  /// The last parent eid covered: `end`, or `start` when `end` is empty.
  [[nodiscard]] const std::string& last() const noexcept { return end.empty() ? start : end; }

  friend bool operator==(const correlation&, const correlation&) = default;
};

/// JSON with RStreams' field names; `end` is written only when set.
inline void to_json(nlohmann::json& j, const correlation& c) {
  j = nlohmann::json{{"source", c.source}, {"start", c.start}, {"units", c.units}};
  if (!c.end.empty()) j["end"] = c.end;
}

/// Reads RStreams' field names; missing `end` means the same as start, missing `units` is 1.
/// A null or missing field takes its default; a field of the wrong type throws nlohmann's type_error.
inline void from_json(const nlohmann::json& j, correlation& c) {
  const auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::string{} : it->template get<std::string>();
  };
  c.source = text("source");
  c.start = text("start");
  c.end = text("end");
  const auto units = j.find("units");
  c.units = units == j.end() || units->is_null() ? 1 : units->template get<std::uint64_t>();
}

}  // namespace rstreams::bus
