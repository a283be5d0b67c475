#pragma once
// The stored form of an event: the envelope with the payload kept as JSON text, so that a
// backend never parses payloads and a reader parses each one once, into the type it wants.

#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::bus {

/// An event as a backend stores it; `payload` is JSON text.
struct record {
  std::string eid;
  std::string id;
  std::string event;
  std::int64_t timestamp = 0;
  std::int64_t event_source_timestamp = 0;
  std::optional<correlation> correlation_id;
  std::string payload;

  friend bool operator==(const record&, const record&) = default;
};

/// A stored payload that does not decode to the reader's type. `what()` names the queue and the
/// eid of the event, and nlohmann's reason.
class payload_error : public rstreams::error {
 public:
  payload_error(std::string queue, std::string eid, const std::string& reason)
      : error("rstreams: queue " + queue + ", event " + (eid.empty() ? std::string("(no eid)") : eid) +
              ": payload does not decode: " + reason),
        queue_(std::move(queue)),
        eid_(std::move(eid)) {}
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  [[nodiscard]] const std::string& eid() const noexcept { return eid_; }

 private:
  std::string queue_;
  std::string eid_;
};

/// The record of an event: the payload is serialised with T's rstreams_encode, else its to_json
/// (compact JSON).
template <class T>
record to_record(const event<T>& e) {
  record r;
  r.eid = e.eid;
  r.id = e.id;
  r.event = e.event;
  r.timestamp = e.timestamp;
  r.event_source_timestamp = e.event_source_timestamp;
  r.correlation_id = e.correlation_id;
  rstreams::detail::encode_json_append(r.payload, e.payload);
  return r;
}

/// As above, moving the envelope's strings.
template <class T>
record to_record(event<T>&& e) {
  record r;
  r.eid = std::move(e.eid);
  r.id = std::move(e.id);
  r.event = std::move(e.event);
  r.timestamp = e.timestamp;
  r.event_source_timestamp = e.event_source_timestamp;
  r.correlation_id = std::move(e.correlation_id);
  rstreams::detail::encode_json_append(r.payload, e.payload);
  return r;
}

/// The event of a record, its payload parsed into T. Throws payload_error (naming the queue and
/// eid) when the text is not JSON or does not convert to T.
template <class T = nlohmann::json>
event<T> to_event(const record& r) {
  event<T> e;
  e.eid = r.eid;
  e.id = r.id;
  e.event = r.event;
  e.timestamp = r.timestamp;
  e.event_source_timestamp = r.event_source_timestamp;
  e.correlation_id = r.correlation_id;
  try {
    e.payload = rstreams::detail::decode_json<T>(r.payload);
  } catch (const nlohmann::json::exception& x) {
    throw payload_error(r.event, r.eid, x.what());
  } catch (const json_decode_error& x) {
    throw payload_error(r.event, r.eid, x.what());
  }
  return e;
}

/// As above, moving the envelope's strings out of the record.
template <class T = nlohmann::json>
event<T> to_event(record&& r) {
  event<T> e;
  try {
    e.payload = rstreams::detail::decode_json<T>(r.payload);
  } catch (const nlohmann::json::exception& x) {
    throw payload_error(r.event, r.eid, x.what());
  } catch (const json_decode_error& x) {
    throw payload_error(r.event, r.eid, x.what());
  }
  e.eid = std::move(r.eid);
  e.id = std::move(r.id);
  e.event = std::move(r.event);
  e.timestamp = r.timestamp;
  e.event_source_timestamp = r.event_source_timestamp;
  e.correlation_id = std::move(r.correlation_id);
  return e;
}

}  // namespace rstreams::bus
