#pragma once
// Payloads between user types and the JSON text a record stores: encoded once on write,
// parsed once on read, and decode failures named by queue and eid.

#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::bus::detail {

template <class T>
inline constexpr bool is_event_v = false;
template <class T>
inline constexpr bool is_event_v<event<T>> = true;

/// The payload type of an event type, or the type itself.
template <class T>
struct payload_of {
  using type = T;
};
template <class T>
struct payload_of<event<T>> {
  using type = T;
};
template <class T>
using payload_of_t = typename payload_of<std::remove_cvref_t<T>>::type;

/// Compact JSON text of a json value, into a string reserved up front (dump() grows it a
/// character at a time, reallocating several times for a typical payload).
inline std::string dump_json(const nlohmann::json& j, bool replace_invalid_utf8 = false) {
  std::string out;
  out.reserve(256);
  rstreams::detail::dump_json_append(out, j, replace_invalid_utf8);
  return out;
}

/// Compact JSON text of a json value into `out` (replacing its content, reusing its capacity).
inline void dump_json_into(std::string& out, const nlohmann::json& j, bool replace_invalid_utf8 = false) {
  out.clear();
  rstreams::detail::dump_json_append(out, j, replace_invalid_utf8);
}

/// encode_payload into `out`, reusing its capacity.
template <class T>
void encode_payload_into(std::string& out, const T& payload, bool replace_invalid_utf8 = false) {
  if constexpr (std::is_same_v<T, raw_json>)
    out.assign(payload.text);
  else if constexpr (std::is_same_v<T, nlohmann::json>)
    dump_json_into(out, payload, replace_invalid_utf8);
  else if constexpr (json_encodable<T>) {
    out.clear();
    rstreams_encode(payload, out);
  } else
    dump_json_into(out, nlohmann::json(payload), replace_invalid_utf8);
}

/// A raw payload's text, swapped in.
inline void encode_payload_into(std::string& out, raw_json&& payload, bool = false) {
  out.swap(payload.text);
}

/// Compact JSON text of a payload (T's rstreams_encode, else its to_json).
template <class T>
std::string encode_payload(const T& payload, bool replace_invalid_utf8 = false) {
  if constexpr (std::is_same_v<T, raw_json>)
    return payload.text;
  else if constexpr (std::is_same_v<T, nlohmann::json>)
    return dump_json(payload, replace_invalid_utf8);
  else if constexpr (json_encodable<T>) {
    std::string out;
    out.reserve(256);
    rstreams_encode(payload, out);
    return out;
  } else
    return dump_json(nlohmann::json(payload), replace_invalid_utf8);
}

/// A raw payload's text, moved.
inline std::string encode_payload(raw_json&& payload, bool = false) {
  return std::move(payload.text);
}

/// Parses a stored payload into T (its rstreams_decode, else from_json); throws payload_error
/// naming the queue and the eid (and the byte, when the decoder throws json_decode_error).
template <class T>
T decode_payload(std::string_view text, std::string_view queue, std::string_view eid) {
  try {
    if constexpr (std::is_same_v<T, raw_json>)
      return raw_json{std::string(text)};
    else
      return rstreams::detail::decode_json<T>(text);
  } catch (const rstreams::error&) {
    throw;
  } catch (const std::exception& x) {
    throw payload_error(std::string(queue), std::string(eid), x.what());
  }
}

/// The event of a record read from `queue`, its payload decoded into T (strings moved out).
template <class T>
event<T> decode_record(record&& r, std::string_view queue) {
  event<T> e;
  e.payload = decode_payload<T>(r.payload, queue, r.eid);
  e.eid = std::move(r.eid);
  e.id = std::move(r.id);
  e.event = r.event.empty() ? std::string(queue) : std::move(r.event);
  e.timestamp = r.timestamp;
  e.event_source_timestamp = r.event_source_timestamp;
  e.correlation_id = std::move(r.correlation_id);
  return e;
}

}  // namespace rstreams::bus::detail
