#pragma once
// One event as a line of RStreams JSON (the SDK's mock queue files and S3 archives):
// {"id":…,"event":…,"payload":…,"event_source_timestamp":…,"timestamp":…,"eid":…,"correlation_id":{…}}.

#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/json/detail/json_text.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// A line that is not an event envelope. `what()` names the source and the 1-based line.
class envelope_error : public rstreams::error {
 public:
  envelope_error(std::string source, std::uint64_t line, const std::string& reason)
      : error("rstreams: " + source + " line " + std::to_string(line) + ": " + reason),
        source_(std::move(source)),
        line_(line) {}
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] std::uint64_t line() const noexcept { return line_; }

 private:
  std::string source_;
  std::uint64_t line_;
};

/// How `parse_envelope` reads a line.
struct envelope_read_options {
  /// A line that is not an object with a "payload" field is a bare payload and is wrapped as
  /// one (the SDK's autoDetectPayload); off: such a line is an error.
  bool auto_detect_payload = true;
  /// The `id` given to wrapped payloads and envelopes without one.
  std::string id = "rstreams-import";
};

/// The record of one JSON line. The payload is kept as compact JSON text. A correlation_id with
/// `partial_start` (one of several events the SDK derived from one parent, not the last) keeps
/// that parent as `start`: rstreams has one correlation shape for every child.
/// Throws envelope_error naming `source` and `line_no`.
inline record parse_envelope(std::string_view line, const envelope_read_options& o, const std::string& source,
                             std::uint64_t line_no) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw envelope_error(source, line_no, std::string("not JSON: ") + e.what());
  }
  record r;
  if (!j.is_object() || !j.contains("payload")) {
    if (!o.auto_detect_payload)
      throw envelope_error(source, line_no, "not an event envelope (no \"payload\" field)");
    r.id = o.id;
    rstreams::detail::dump_json_append(r.payload, j);
    return r;
  }
  const auto text = [&](const char* key) -> std::string {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string())
      throw envelope_error(source, line_no, std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
  };
  const auto number = [&](const char* key) -> std::int64_t {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return 0;
    if (!it->is_number())
      throw envelope_error(source, line_no, std::string("\"") + key + "\" must be a number");
    return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
  };
  r.eid = text("eid");
  r.id = text("id");
  if (r.id.empty()) r.id = o.id;
  r.event = text("event");
  r.timestamp = number("timestamp");
  r.event_source_timestamp = number("event_source_timestamp");
  if (const auto c = j.find("correlation_id"); c != j.end() && !c->is_null()) {
    if (!c->is_object()) throw envelope_error(source, line_no, "\"correlation_id\" must be an object");
    try {
      correlation k = c->get<correlation>();
      if (k.start.empty())
        if (const auto p = c->find("partial_start"); p != c->end() && p->is_string())
          k.start = p->get<std::string>();
      r.correlation_id = std::move(k);
    } catch (const nlohmann::json::exception& e) {
      throw envelope_error(source, line_no, std::string("bad correlation_id: ") + e.what());
    }
  }
  rstreams::detail::dump_json_append(r.payload, j["payload"]);
  return r;
}

/// The JSON line of a record (no trailing '\n'), fields in the SDK's order; the payload text is
/// written as stored.
inline void append_envelope(std::string& out, const record& r) {
  const auto str = [&](std::string_view s) { out += nlohmann::json(s).dump(); };
  out += "{\"id\":";
  str(r.id);
  out += ",\"event\":";
  str(r.event);
  out += ",\"payload\":";
  out += r.payload.empty() ? std::string_view("null") : std::string_view(r.payload);
  out += ",\"event_source_timestamp\":" + std::to_string(r.event_source_timestamp);
  out += ",\"timestamp\":" + std::to_string(r.timestamp);
  out += ",\"eid\":";
  str(r.eid);
  if (r.correlation_id) {
    out += ",\"correlation_id\":";
    out += nlohmann::json(*r.correlation_id).dump();
  }
  out += '}';
}

}  // namespace rstreams::bus
