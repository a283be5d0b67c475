#pragma once
// The RStreams event envelope, with a payload of any type that nlohmann::json can convert.

#include <rstreams/bus/correlation.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace rstreams::bus {

/// One event as RStreams defines it: `id` is the bot that wrote it, `event` the queue, `eid` its
/// position (assigned by the backend when stored), `timestamp` when it entered the queue and
/// `event_source_timestamp` when its original ancestor entered the bus (ms since the epoch, UTC).
/// `T` is nlohmann::json by default, or any type with to_json/from_json.
template <class T = nlohmann::json>
struct event {
  std::string id;
  std::string event;
  T payload;
  std::string eid;
  std::int64_t timestamp = 0;
  std::int64_t event_source_timestamp = 0;
  std::optional<correlation> correlation_id;
};

/// JSON with RStreams' field names; `eid` and `correlation_id` are written only when set.
template <class T>
void to_json(nlohmann::json& j, const event<T>& e) {
  j = nlohmann::json::object();
  j["id"] = e.id;
  j["event"] = e.event;
  j["payload"] = e.payload;
  if (!e.eid.empty()) j["eid"] = e.eid;
  j["timestamp"] = e.timestamp;
  j["event_source_timestamp"] = e.event_source_timestamp;
  if (e.correlation_id) j["correlation_id"] = *e.correlation_id;
}

/// Reads RStreams' field names; missing or null envelope fields take their defaults, `payload`
/// goes through T's from_json (its errors propagate).
template <class T>
void from_json(const nlohmann::json& j, event<T>& e) {
  const auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::string{} : it->template get<std::string>();
  };
  const auto number = [&](const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::int64_t{0} : it->template get<std::int64_t>();
  };
  e.id = text("id");
  e.event = text("event");
  e.eid = text("eid");
  e.timestamp = number("timestamp");
  e.event_source_timestamp = number("event_source_timestamp");
  if (const auto p = j.find("payload"); p != j.end()) {
    p->get_to(e.payload);
  } else {
    e.payload = nlohmann::json(nullptr).template get<T>();
  }
  if (const auto c = j.find("correlation_id"); c != j.end() && !c->is_null()) {
    e.correlation_id = c->template get<correlation>();
  } else {
    e.correlation_id.reset();
  }
}

}  // namespace rstreams::bus

/// Prints an event as its compact JSON envelope.
template <class T>
struct fmt::formatter<rstreams::bus::event<T>> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const rstreams::bus::event<T>& e, Ctx& ctx) const {
    nlohmann::json j = e;
    return fmt::formatter<std::string_view>::format(j.dump(), ctx);
  }
};
