#pragma once
// The on-disk frame of one record in a segment:
//   header (16 bytes): magic "RSE1", body length, CRC32C of the body, CRC32C of those 12 bytes;
//   body: version, flags, field lengths, record number, timestamps, then the eid, bot id,
//   correlation and payload bytes. Integers are little-endian.
// The header's own checksum tells a damaged header from a torn (short) tail.

#include <rstreams/bus/local/crc32c.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "rstreams: the local backend's format is little-endian");

inline constexpr std::uint32_t frame_magic = 0x31455352u;  // "RSE1"
inline constexpr std::size_t frame_header_size = 16;
inline constexpr std::size_t frame_body_fixed = 36;
inline constexpr std::size_t frame_corr_fixed = 16;
inline constexpr std::uint32_t frame_max_body = std::uint32_t{1} << 30;
inline constexpr std::uint8_t frame_version = 1;
inline constexpr std::uint8_t frame_flag_correlation = 1;

template <class T>
inline void put_le(char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
inline T get_le(const char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// Throws config_error when a record's fields do not fit the frame.
inline void check_frame_limits(const record& r) {
  const auto check16 = [](std::string_view what, std::size_t n) {
    if (n > 0xFFFF) throw config_error("rstreams: record " + std::string(what) + " longer than 65535 bytes");
  };
  check16("eid", r.eid.size());
  check16("id", r.id.size());
  if (r.correlation_id) {
    check16("correlation source", r.correlation_id->source.size());
    check16("correlation start", r.correlation_id->start.size());
    check16("correlation end", r.correlation_id->end.size());
  }
  if (r.payload.size() + 1024 > frame_max_body)
    throw config_error("rstreams: record payload larger than 1 GiB");
}

inline std::size_t frame_size(const record& r) noexcept {
  std::size_t n = frame_header_size + frame_body_fixed + r.eid.size() + r.id.size() + r.payload.size();
  if (r.correlation_id)
    n += frame_corr_fixed + r.correlation_id->source.size() + r.correlation_id->start.size() +
         r.correlation_id->end.size();
  return n;
}

/// Writes the frame of `r` (record number `recno`) at `h`, which has frame_size(r) bytes, without
/// its checksums (seal_frame adds them). Returns the frame's size.
inline std::size_t write_frame(char* h, const record& r, std::uint64_t recno) noexcept {
  char* b = h + frame_header_size;
  char* p = b;
  const auto& c = r.correlation_id;
  *p++ = static_cast<char>(frame_version);
  *p++ = static_cast<char>(c ? frame_flag_correlation : 0);
  put_le<std::uint16_t>(p, static_cast<std::uint16_t>(r.eid.size()));
  put_le<std::uint16_t>(p + 2, static_cast<std::uint16_t>(r.id.size()));
  put_le<std::uint16_t>(p + 4, 0);
  put_le<std::uint64_t>(p + 6, recno);
  put_le<std::int64_t>(p + 14, r.timestamp);
  put_le<std::int64_t>(p + 22, r.event_source_timestamp);
  put_le<std::uint32_t>(p + 30, static_cast<std::uint32_t>(r.payload.size()));
  p += frame_body_fixed - 2;
  if (c) {
    put_le<std::uint16_t>(p, static_cast<std::uint16_t>(c->source.size()));
    put_le<std::uint16_t>(p + 2, static_cast<std::uint16_t>(c->start.size()));
    put_le<std::uint16_t>(p + 4, static_cast<std::uint16_t>(c->end.size()));
    put_le<std::uint16_t>(p + 6, 0);
    put_le<std::uint64_t>(p + 8, c->units);
    p += frame_corr_fixed;
  }
  const auto put = [&](const std::string& s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(r.eid);
  put(r.id);
  if (c) {
    put(c->source);
    put(c->start);
    put(c->end);
  }
  put(r.payload);
  const auto body_len = static_cast<std::uint32_t>(p - b);
  put_le<std::uint32_t>(h, frame_magic);
  put_le<std::uint32_t>(h + 4, body_len);
  return frame_header_size + body_len;
}

/// Fills the header's checksums once its body checksum is known.
inline void seal_frame(char* h, std::uint32_t body_crc) noexcept {
  put_le<std::uint32_t>(h + 8, body_crc);
  put_le<std::uint32_t>(h + 12, crc32c(0, h, 12));
}

/// Computes and fills the checksums of a written frame.
inline void seal_frame(char* h) noexcept {
  seal_frame(h, crc32c(0, h + frame_header_size, get_le<std::uint32_t>(h + 4)));
}

/// Seals three written frames at once (see crc32c_x3).
inline void seal_frames3(char* const h[3]) noexcept {
  const void* bodies[3] = {h[0] + frame_header_size, h[1] + frame_header_size, h[2] + frame_header_size};
  const std::size_t sizes[3] = {get_le<std::uint32_t>(h[0] + 4), get_le<std::uint32_t>(h[1] + 4),
                                get_le<std::uint32_t>(h[2] + 4)};
  std::uint32_t crcs[3];
  crc32c_x3(bodies, sizes, crcs);
  for (int k = 0; k < 3; ++k) seal_frame(h[k], crcs[k]);
}

/// Appends the complete frame of `r` (record number `recno`) to `out`.
inline void encode_frame(std::string& out, const record& r, std::uint64_t recno) {
  const auto at = out.size();
  out.resize(at + frame_size(r));
  write_frame(out.data() + at, r, recno);
  seal_frame(out.data() + at);
}

enum class frame_status {
  ok,
  incomplete,  // fewer bytes than the frame needs (a torn tail, or still being written)
  bad_header,  // the header's checksum or magic is wrong
  bad_body,    // the body's checksum is wrong
  bad_layout,  // the checksum matches but the fields do not add up
};

/// Why a frame is bad, for error messages.
inline const char* frame_status_reason(frame_status st) {
  switch (st) {
    case frame_status::bad_header:
      return "frame header checksum mismatch";
    case frame_status::bad_body:
      return "record checksum mismatch";
    case frame_status::bad_layout:
      return "record fields do not add up";
    default:
      return "unexpected end of frame";
  }
}

/// One frame read in place (the views point into the buffer given to parse_frame).
struct frame_view {
  std::size_t size = 0;  // header + body
  std::uint64_t recno = 0;
  std::int64_t timestamp = 0;
  std::int64_t event_source_timestamp = 0;
  std::string_view eid, id, payload;
  bool has_correlation = false;
  std::string_view corr_source, corr_start, corr_end;
  std::uint64_t corr_units = 1;
};

/// Checks the header only; on ok or bad_body `size` is the frame's size.
inline frame_status parse_frame_header(const char* p, std::size_t avail, std::size_t& size) noexcept {
  if (avail < frame_header_size) return frame_status::incomplete;
  if (get_le<std::uint32_t>(p) != frame_magic || get_le<std::uint32_t>(p + 12) != crc32c(0, p, 12))
    return frame_status::bad_header;
  const auto body_len = get_le<std::uint32_t>(p + 4);
  if (body_len < frame_body_fixed || body_len > frame_max_body) return frame_status::bad_header;
  size = frame_header_size + body_len;
  return avail < size ? frame_status::incomplete : frame_status::ok;
}

/// Parses the frame at p; `verify` false skips the body checksum (for records only skipped over).
inline frame_status parse_frame(const char* p, std::size_t avail, frame_view& f,
                                bool verify = true) noexcept {
  std::size_t size = 0;
  const auto st = parse_frame_header(p, avail, size);
  if (st != frame_status::ok) return st;
  const char* b = p + frame_header_size;
  const auto body_len = size - frame_header_size;
  if (verify && get_le<std::uint32_t>(p + 8) != crc32c(0, b, body_len)) return frame_status::bad_body;
  if (static_cast<std::uint8_t>(b[0]) != frame_version) return frame_status::bad_layout;
  f.size = size;
  f.has_correlation = (static_cast<std::uint8_t>(b[1]) & frame_flag_correlation) != 0;
  const auto eid_len = get_le<std::uint16_t>(b + 2);
  const auto id_len = get_le<std::uint16_t>(b + 4);
  f.recno = get_le<std::uint64_t>(b + 8);
  f.timestamp = get_le<std::int64_t>(b + 16);
  f.event_source_timestamp = get_le<std::int64_t>(b + 24);
  const auto payload_len = get_le<std::uint32_t>(b + 32);
  std::size_t at = frame_body_fixed;
  std::size_t src_len = 0, start_len = 0, end_len = 0;
  if (f.has_correlation) {
    if (body_len < at + frame_corr_fixed) return frame_status::bad_layout;
    src_len = get_le<std::uint16_t>(b + at);
    start_len = get_le<std::uint16_t>(b + at + 2);
    end_len = get_le<std::uint16_t>(b + at + 4);
    f.corr_units = get_le<std::uint64_t>(b + at + 8);
    at += frame_corr_fixed;
  }
  if (at + eid_len + id_len + src_len + start_len + end_len + payload_len != body_len)
    return frame_status::bad_layout;
  const auto take = [&](std::size_t n) {
    std::string_view v(b + at, n);
    at += n;
    return v;
  };
  f.eid = take(eid_len);
  f.id = take(id_len);
  if (f.has_correlation) {
    f.corr_source = take(src_len);
    f.corr_start = take(start_len);
    f.corr_end = take(end_len);
  }
  f.payload = take(payload_len);
  return frame_status::ok;
}

/// The record a frame holds, in queue `queue`.
inline void frame_to_record(const frame_view& f, std::string_view queue, record& r) {
  r.eid.assign(f.eid);
  r.id.assign(f.id);
  r.event.assign(queue);
  r.timestamp = f.timestamp;
  r.event_source_timestamp = f.event_source_timestamp;
  if (f.has_correlation) {
    r.correlation_id.emplace();
    r.correlation_id->source.assign(f.corr_source);
    r.correlation_id->start.assign(f.corr_start);
    r.correlation_id->end.assign(f.corr_end);
    r.correlation_id->units = f.corr_units;
  } else {
    r.correlation_id.reset();
  }
  r.payload.assign(f.payload);
}

}  // namespace rstreams::bus::detail
