#pragma once
// How a bus record travels in a NATS message. Format 2 (written now): the envelope fields as
// NATS headers any client can read and set (see `nats_header`) and the payload JSON text as the
// body, untouched. Format 1 (still read): a small binary frame of the fields, then the payload.

#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
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

/// The NATS headers of a format-2 message. A client that is not rstreams writes an event with
/// `Rstreams-Eid` (strictly after the queue's last eid) and the payload JSON as the body; the
/// other headers are optional (`Rstreams-Event` defaults to the queue when read).
struct nats_header {
  static constexpr const char* format = "Rstreams-Format";  // "2"
  static constexpr const char* eid = "Rstreams-Eid";
  static constexpr const char* id = "Rstreams-Id";
  static constexpr const char* event = "Rstreams-Event";
  static constexpr const char* timestamp = "Rstreams-Timestamp";
  static constexpr const char* event_source_timestamp = "Rstreams-Event-Source-Timestamp";
  static constexpr const char* correlation = "Rstreams-Correlation-Id";  // the correlation_id as JSON
};

/// Sets the envelope headers of `r` on `m` (whose body is the payload).
inline natsStatus set_nats_headers(natsMsg* m, const record& r) {
  char ts[24];
  char est[24];
  std::snprintf(ts, sizeof ts, "%lld", static_cast<long long>(r.timestamp));
  std::snprintf(est, sizeof est, "%lld", static_cast<long long>(r.event_source_timestamp));
  natsStatus s = natsMsgHeader_Set(m, nats_header::format, "2");
  if (s == NATS_OK) s = natsMsgHeader_Set(m, nats_header::eid, r.eid.c_str());
  // An empty value is left out (libnats then fails to parse the received headers); it reads
  // back as empty, and the event as the queue.
  if (s == NATS_OK && !r.id.empty()) s = natsMsgHeader_Set(m, nats_header::id, r.id.c_str());
  if (s == NATS_OK && !r.event.empty()) s = natsMsgHeader_Set(m, nats_header::event, r.event.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(m, nats_header::timestamp, ts);
  if (s == NATS_OK) s = natsMsgHeader_Set(m, nats_header::event_source_timestamp, est);
  if (s == NATS_OK && r.correlation_id)
    s = natsMsgHeader_Set(m, nats_header::correlation, nlohmann::json(*r.correlation_id).dump().c_str());
  return s;
}

/// A message of `r` on `subject` in format 2 (payload as the body, fields as headers); the
/// caller destroys it. `*m` is null when it could not be made.
inline natsStatus make_nats_msg(natsMsg** m, const char* subject, const record& r) {
  *m = nullptr;
  natsStatus s = natsMsg_Create(m, subject, nullptr, r.payload.data(), static_cast<int>(r.payload.size()));
  if (s == NATS_OK) s = set_nats_headers(*m, r);
  if (s != NATS_OK && *m != nullptr) {
    natsMsg_Destroy(*m);
    *m = nullptr;
  }
  return s;
}

inline const char* nats_header_or_null(natsMsg* m, const char* key) {
  const char* v = nullptr;
  return natsMsgHeader_Get(m, key, &v) == NATS_OK ? v : nullptr;
}

inline std::int64_t nats_header_number(natsMsg* m, const char* key) {
  const char* v = nats_header_or_null(m, key);
  if (v == nullptr || *v == '\0') return 0;
  std::int64_t n = 0;
  const auto end = v + std::strlen(v);
  const auto [p, ec] = std::from_chars(v, end, n);
  if (ec != std::errc{} || p != end)
    throw error(std::string("rstreams: nats: header ") + key + " is not a number: \"" + v + "\"");
  return n;
}

/// The eid of a message of either format (for positioning).
inline std::string nats_msg_eid(natsMsg* m) {
  if (const char* e = nats_header_or_null(m, nats_header::eid)) return e;
  const char* data = natsMsg_GetData(m);
  const auto size = static_cast<std::size_t>(natsMsg_GetDataLength(m));
  if (size < nats_frame_magic.size() || std::string_view(data, nats_frame_magic.size()) != nats_frame_magic)
    throw error("rstreams: nats: a message on " + std::string(natsMsg_GetSubject(m)) + " has no " +
                nats_header::eid + " header (and is no format-1 rstreams frame)");
  return std::string(nats_record_eid(data, size));
}

/// Reads a message of either format into `r` (a default-constructed record), in place: the
/// reader decodes straight into its output vector, without a move per record.
inline void decode_nats_msg_into(natsMsg* m, record& r) {
  const char* eid = nats_header_or_null(m, nats_header::eid);
  const char* data = natsMsg_GetData(m);
  const auto size = static_cast<std::size_t>(natsMsg_GetDataLength(m));
  if (eid == nullptr) {
    (void)nats_msg_eid(m);  // throws a clear error unless it is a format-1 frame
    r = decode_nats_record(data, size);
    return;
  }
  r.eid = eid;
  if (const char* v = nats_header_or_null(m, nats_header::id)) r.id = v;
  if (const char* v = nats_header_or_null(m, nats_header::event)) r.event = v;
  r.timestamp = nats_header_number(m, nats_header::timestamp);
  r.event_source_timestamp = nats_header_number(m, nats_header::event_source_timestamp);
  if (const char* c = nats_header_or_null(m, nats_header::correlation); c != nullptr && *c != '\0') {
    try {
      r.correlation_id = nlohmann::json::parse(c).get<correlation>();
    } catch (const nlohmann::json::exception& e) {
      throw error("rstreams: nats: event " + r.eid + ": header " + nats_header::correlation +
                  " is not a correlation_id: " + e.what());
    }
  }
  r.payload.assign(data, size);
}

/// A message of either format read back into a record.
inline record decode_nats_msg(natsMsg* m) {
  record r;
  decode_nats_msg_into(m, r);
  return r;
}

}  // namespace rstreams::bus::detail
