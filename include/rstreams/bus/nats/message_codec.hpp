#pragma once
// How a bus record travels in a NATS message body: a small binary frame of the record's fields
// followed by the payload JSON text, untouched (no layer parses the payload twice).

#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

// Frame: "RS1" | u32 len + eid | u32 len + id | u32 len + event | i64 timestamp |
// i64 event_source_timestamp | u32 len + correlation JSON ("" = none) | payload (rest).
inline constexpr std::string_view nats_frame_magic = "RS1";

inline void frame_put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xffU);
  out.append(b, 4);
}

inline void frame_put_i64(std::string& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xffU);
  out.append(b, 8);
}

inline void frame_put_text(std::string& out, std::string_view t) {
  frame_put_u32(out, static_cast<std::uint32_t>(t.size()));
  out.append(t);
}

/// Writes `r` as a message body into `out` (cleared first).
inline void encode_nats_record(const record& r, std::string& out) {
  out.clear();
  out.reserve(64 + r.eid.size() + r.id.size() + r.event.size() + r.payload.size());
  out.append(nats_frame_magic);
  frame_put_text(out, r.eid);
  frame_put_text(out, r.id);
  frame_put_text(out, r.event);
  frame_put_i64(out, r.timestamp);
  frame_put_i64(out, r.event_source_timestamp);
  if (r.correlation_id) {
    const nlohmann::json j = *r.correlation_id;
    frame_put_text(out, j.dump());
  } else {
    frame_put_u32(out, 0);
  }
  out.append(r.payload);
}

struct frame_reader {
  const char* p;
  const char* end;

  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end - p) < n) throw error("rstreams: nats: truncated record frame");
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    p += 4;
    return v;
  }
  std::int64_t i64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    p += 8;
    return static_cast<std::int64_t>(v);
  }
  std::string_view text() {
    const std::uint32_t n = u32();
    need(n);
    const std::string_view t(p, n);
    p += n;
    return t;
  }
};

/// Only the eid of a message body (for positioning), without copying the rest.
inline std::string_view nats_record_eid(const char* data, std::size_t size) {
  frame_reader rd{data, data + size};
  rd.need(nats_frame_magic.size());
  if (std::string_view(data, nats_frame_magic.size()) != nats_frame_magic)
    throw error("rstreams: nats: message is not an rstreams record (bad frame magic)");
  rd.p += nats_frame_magic.size();
  return rd.text();
}

/// Reads a message body back into a record.
inline record decode_nats_record(const char* data, std::size_t size) {
  frame_reader rd{data, data + size};
  record r;
  r.eid = std::string(nats_record_eid(data, size));
  rd.p = data + nats_frame_magic.size() + 4 + r.eid.size();
  r.id = std::string(rd.text());
  r.event = std::string(rd.text());
  r.timestamp = rd.i64();
  r.event_source_timestamp = rd.i64();
  const auto corr = rd.text();
  if (!corr.empty()) {
    try {
      const auto j = nlohmann::json::parse(corr);
      if (!j.is_object())
        throw error("rstreams: nats: record " + r.eid +
                    ": its correlation_id is not valid: not a JSON object");
      r.correlation_id = j.get<correlation>();
    } catch (const nlohmann::json::exception& e) {
      throw error("rstreams: nats: record " + r.eid + ": its correlation_id is not valid: " + e.what());
    }
  }
  r.payload.assign(rd.p, rd.end);
  return r;
}

}  // namespace rstreams::bus::detail
