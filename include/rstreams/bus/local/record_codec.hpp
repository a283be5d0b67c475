#pragma once
// The on-disk frames of a segment (docs/local-log-format.md). Both kinds share a 16-byte header:
// magic, body length, CRC32C of the body, CRC32C of those 12 bytes (the header's own checksum
// tells a damaged header from a torn, short tail).
// * "RSE1", one record (segment format versions 1 and 2): version, flags, field lengths, record
//   number, timestamps, then the eid, bot id, correlation and payload bytes.
// * "RSB3", a record batch (segment format version 3): the batch's base record number, eid and
//   timestamp and its bot id once, then per record a flags byte and varints: the eid as deltas
//   from the base (or its text when it is not in the standard form), the timestamps as deltas,
//   an id only when it differs from the batch's, the correlation, the payload.
// Integers in fixed fields are little-endian; varints are LEB128, signed ones zigzag.

#include <rstreams/bus/detail/reuse_text.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/local/crc32c.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
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

inline constexpr std::uint32_t batch_magic = 0x33425352u;  // "RSB3"
inline constexpr std::size_t batch_body_fixed = 40;
inline constexpr std::uint8_t batch_version = 1;
inline constexpr std::uint8_t batch_rec_eid_text = 1;                 // the eid is stored as text
inline constexpr std::uint8_t batch_rec_correlation = 2;              // a correlation follows
inline constexpr std::uint8_t batch_rec_own_id = 4;                   // the bot id differs from the batch's
inline constexpr std::size_t batch_frame_max = std::size_t{1} << 20;  // a frame's target size cap
inline constexpr std::size_t eid_text_max = 48;  // a standard eid is at most 42 characters

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

/// Throws config_error when a record's fields do not fit the frame (the check of any record).
[[gnu::noinline]] inline void check_frame_limits_any(const record& r) {
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
  std::size_t strings = r.eid.size() + r.id.size() + r.payload.size();
  if (r.correlation_id)
    strings +=
        r.correlation_id->source.size() + r.correlation_id->start.size() + r.correlation_id->end.size();
  if (strings + 1024 > frame_max_body) throw config_error("rstreams: record payload larger than 1 GiB");
}

/// The longest payload that check_frame_limits passes inline.
inline constexpr std::size_t common_payload_max = frame_max_body - 1024 - 2 * 0xFFFF - 1;

/// Throws config_error when a record's fields do not fit the frame. Most records (short texts,
/// no correlation, a payload far below the limit) pass inline, in a few instructions per record.
[[gnu::always_inline]] inline void check_frame_limits(const record& r) {
  if (((r.eid.size() | r.id.size()) >> 16) == 0 && !r.correlation_id &&
      r.payload.size() <= common_payload_max) [[likely]]
    return;
  check_frame_limits_any(r);
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

/// Appends the complete version 1 frame of `r` (record number `recno`) to `out`. Appends write
/// batch frames; this stays for the segments of older versions (tests and tools build them).
inline void encode_frame(std::string& out, const record& r, std::uint64_t recno) {
  const auto at = out.size();
  out.resize(at + frame_size(r));
  write_frame(out.data() + at, r, recno);
  seal_frame(out.data() + at);
}

// ---- varints -------------------------------------------------------------------------------

inline char* put_varint(char* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<std::uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

inline std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// get_varint past its first two bytes.
[[gnu::noinline]] inline bool get_varint_long(const char*& p, const char* end, std::uint64_t& v) noexcept {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p == end) return false;
    const auto b = static_cast<std::uint8_t>(*p++);
    if (shift == 63 && b > 1) return false;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Reads a varint of at most 10 bytes before `end`; false when it runs past `end` or overflows.
// One and two bytes (lengths below 16 KiB) inline, longer ones out of line.
[[gnu::always_inline]] inline bool get_varint(const char*& p, const char* end, std::uint64_t& v) noexcept {
  if (end - p >= 2) {
    const auto b0 = static_cast<std::uint8_t>(p[0]);
    if ((b0 & 0x80) == 0) {
      v = b0;
      p += 1;
      return true;
    }
    const auto b1 = static_cast<std::uint8_t>(p[1]);
    if ((b1 & 0x80) == 0) {
      v = (b0 & 0x7Fu) | (std::uint64_t{b1} << 7);
      p += 2;
      return true;
    }
  }
  return get_varint_long(p, end, v);
}

// ---- batch frames: writing ------------------------------------------------------------------

// Whether a and b (both n bytes, sizeof(W) <= n <= 2 * sizeof(W)) hold the same bytes: their
// first and last words, which overlap when n < 2 * sizeof(W).
template <class W>
[[gnu::always_inline]] inline bool same_head_and_tail(const char* a, const char* b, std::size_t n) noexcept {
  W a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof(W));
  std::memcpy(&a1, a + n - sizeof(W), sizeof(W));
  std::memcpy(&b0, b, sizeof(W));
  std::memcpy(&b1, b + n - sizeof(W), sizeof(W));
  return a0 == b0 && a1 == b1;
}

/// Byte equality without a call for the short texts compared per record (bot ids, queue names).
[[gnu::always_inline]] inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const auto n = a.size();
  if (n != b.size()) return false;
  if (n >= 8 && n <= 16) return same_head_and_tail<std::uint64_t>(a.data(), b.data(), n);
  if (n >= 4 && n < 8) return same_head_and_tail<std::uint32_t>(a.data(), b.data(), n);
  if (n >= 2 && n < 4) return same_head_and_tail<std::uint16_t>(a.data(), b.data(), n);
  if (n < 2) return n == 0 || a[0] == b[0];  // one byte: a queue name like "q"
  return std::memcmp(a.data(), b.data(), n) == 0;
}

/// The parts of `eid` when it is a full eid in the standard form (the text make_eid writes for
/// them, so it can be stored as numbers and written back byte for byte); false otherwise.
inline bool standard_eid(std::string_view eid, eid_parts& parts) noexcept {
  try {
    parts = parse_eid(eid);
    return make_eid(parts.ms, parts.seq) == eid;
  } catch (const std::exception&) {
    return false;
  }
}

/// The most bytes a record without a correlation takes in a batch frame, from the lengths of
/// its eid, id (included in case it is not the batch's) and payload.
inline std::size_t batch_record_max(std::size_t eid, std::size_t id, std::size_t payload) noexcept {
  // flags; eid (two varints, or its text); two timestamp varints; id; payload
  return 1 + std::max<std::size_t>(20, 5 + eid) + 20 + 5 + id + 5 + payload;
}

/// The most bytes `r` takes in a batch frame (its id included, in case it is not the batch's).
inline std::size_t batch_record_max(const record& r) noexcept {
  std::size_t n = batch_record_max(r.eid.size(), r.id.size(), r.payload.size());
  if (r.correlation_id)
    n += 15 + 10 + r.correlation_id->source.size() + r.correlation_id->start.size() +
         r.correlation_id->end.size();
  return n;
}

/// The fixed bytes a batch frame adds to its records (header, fixed body, the batch's bot id).
inline std::size_t batch_frame_overhead(const record& first) noexcept {
  return frame_header_size + batch_body_fixed + first.id.size();
}

/// What a record's envelope differs by from the frame's base, ORed: zero when its eid is the
/// next of the frame (`count` records in it so far) and its timestamps are the frame's.
[[gnu::always_inline]] inline std::uint64_t batch_deltas(const eid_parts& parts, const record& r,
                                                         std::uint64_t base_ms, std::uint64_t base_seq,
                                                         std::uint32_t count,
                                                         std::uint64_t base_ts) noexcept {
  const auto ts = static_cast<std::uint64_t>(r.timestamp);
  return (static_cast<std::uint64_t>(parts.ms) - base_ms) | (parts.seq - base_seq - count) | (ts - base_ts) |
         (static_cast<std::uint64_t>(r.event_source_timestamp) - ts);
}

/// Writes one batch frame in place: begin() with its first record, add() each record (the first
/// too), finish() to fill the header and checksums. The caller provides room (see
/// batch_frame_overhead and batch_record_max). `parts` is the record's eid as numbers, or
/// nullptr to store its text (an eid not in the standard form).
class batch_writer {
 public:
  void begin(char* frame, const record& first, const eid_parts* parts, std::uint64_t recno) noexcept {
    h_ = frame;
    char* b = h_ + frame_header_size;
    count_ = 0;
    base_ms_ = parts ? parts->ms : 0;
    base_seq_ = parts ? parts->seq : 0;
    base_ts_ = first.timestamp;
    id_ = first.id;
    b[0] = static_cast<char>(batch_version);
    b[1] = 0;
    put_le<std::uint16_t>(b + 2, static_cast<std::uint16_t>(first.id.size()));
    put_le<std::uint64_t>(b + 8, recno);
    put_le<std::int64_t>(b + 16, base_ms_);
    put_le<std::uint32_t>(b + 24, base_seq_);
    put_le<std::uint32_t>(b + 28, 0);
    put_le<std::int64_t>(b + 32, base_ts_);
    if (!first.id.empty()) std::memcpy(b + batch_body_fixed, first.id.data(), first.id.size());
    p_ = b + batch_body_fixed + first.id.size();
    crc_ = 0;
    crc_at_ = b + batch_crc_from;
    crc_step_ = std::max(batch_crc_step, crc32c_fast_min());
  }

  /// Adds `r`: the common record (its eid the next of the batch, its timestamps the batch's,
  /// its bot id the batch's, no correlation) inline, any other out of line.
  [[gnu::always_inline]] inline void add(const record& r, const eid_parts* parts) noexcept {
    if (parts != nullptr && !r.correlation_id && same_text(r.id, id_)) {
      // Flags and the four deltas are all zero (one store; the room given covers the bytes
      // past them).
      if (batch_deltas(*parts, r, static_cast<std::uint64_t>(base_ms_), base_seq_, count_,
                       static_cast<std::uint64_t>(base_ts_)) == 0) {
        std::memset(p_, 0, 8);
        p_ = put_bytes(p_ + 5, r.payload);
        ++count_;
        if (static_cast<std::size_t>(p_ - crc_at_) >= crc_step_) [[unlikely]]
          advance_crc();
        return;
      }
    }
    add_any(r, parts);
  }

  /// Adds records from `from` on while each is common (no correlation, the frame's bot id, a
  /// payload check_frame_limits passes inline) and fits below `room` (from the frame's start) at
  /// its longest: stamps it (its eid the next of `eids` within their ms; `event` and the time
  /// `now` where unset) and adds it as add() does. Returns the first record it did not take,
  /// for the caller's general path. The frame's state stays in locals for the run: a member is
  /// reloaded after each store into a record or the buffer (which may alias it), and the
  /// position in the buffer, stored and reloaded per record, is a chain every record waits on.
  template <class Eids>
  std::size_t add_run(std::span<record> records, std::size_t from, std::size_t room, Eids& run_eids,
                      std::int64_t now, std::string_view event) {
    Eids eids = run_eids;  // a copy, stepped within its ms only (so it never puts itself back)
    char* p = p_;
    const char* const h = h_;
    const char* crc_at = crc_at_;
    std::uint32_t count = count_;
    const std::string_view id = id_;
    const auto base_ms = static_cast<std::uint64_t>(base_ms_);
    const std::uint64_t base_seq = base_seq_;
    const auto base_ts = static_cast<std::uint64_t>(base_ts_);
    const std::size_t step = crc_step_;
    // batch_record_max(r) but the payload, for a record add_run takes (its eid written by `eids`).
    const std::size_t fixed = batch_record_max(eids.length(), id.size(), 0);
    std::size_t i = from;
    for (; i < records.size(); ++i) {
      record& r = records[i];
      const std::size_t n = r.payload.size();
      if (r.correlation_id || n > common_payload_max || !same_text(r.id, id) ||
          static_cast<std::size_t>(p - h) + fixed + n > room || !eids.steps_within_ms(now)) [[unlikely]]
        break;
      const eid_parts parts = eids.next(now, r.eid);
      if (!same_text(r.event, event)) [[unlikely]]
        r.event.assign(event);
      if (r.timestamp == 0) r.timestamp = now;
      if (r.event_source_timestamp == 0) r.event_source_timestamp = r.timestamp;
      if (batch_deltas(parts, r, base_ms, base_seq, count, base_ts) == 0) [[likely]] {
        std::memset(p, 0, 8);
        p = put_bytes(p + 5, r.payload);
        ++count;
      } else {
        p_ = p;
        count_ = count;
        add_any(r, &parts);
        p = p_;
        count = count_;
      }
      if (static_cast<std::size_t>(p - crc_at) >= step) [[unlikely]] {
        p_ = p;
        advance_crc();
        crc_at = crc_at_;
      }
    }
    p_ = p;
    count_ = count;
    run_eids = eids;
    return i;
  }

  /// The buffer holding the open frame moved from `old` to `now` (same offsets).
  void rebase(const char* old, char* now) noexcept {
    p_ = now + (p_ - old);
    h_ = now + (h_ - old);
    crc_at_ = now + (crc_at_ - old);
  }

  /// The frame's size so far (header included).
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(p_ - h_); }
  [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

  /// Fills the record count, the header and both checksums; returns the frame's size.
  std::size_t finish() noexcept {
    char* b = h_ + frame_header_size;
    put_le<std::uint32_t>(b + 4, count_);
    const auto body_len = static_cast<std::uint32_t>(p_ - b);
    put_le<std::uint32_t>(h_, batch_magic);
    put_le<std::uint32_t>(h_ + 4, body_len);
    // The body's first bytes (the count among them) joined to the CRC of the rest.
    const auto rest = crc32c(crc_, crc_at_, static_cast<std::size_t>(p_ - crc_at_));
    seal_frame(h_, crc32c_combine_fast(crc32c(0, b, batch_crc_from), rest, body_len - batch_crc_from));
    return size();
  }

 private:
  // The body's CRC is taken as it is written, a few KiB behind the writer (those bytes still in
  // L1, where a pass over the finished frame reads them from L2): from byte batch_crc_from on,
  // since the record count before it is known only at finish(). Steps of 2 KiB, or longer where
  // the CPU's fastest CRC path needs more (6 KiB with SSE4.2 alone).
  static constexpr std::size_t batch_crc_from = 8;
  static constexpr std::size_t batch_crc_step = 2048;

  [[gnu::noinline]] void advance_crc() noexcept {
    crc_ = crc32c(crc_, crc_at_, static_cast<std::size_t>(p_ - crc_at_));
    crc_at_ = p_;
  }

  [[gnu::noinline]] void add_any(const record& r, const eid_parts* parts) noexcept {
    const auto& c = r.correlation_id;
    const bool own_id = !same_text(r.id, id_);
    char* p = p_;
    char* flags = p++;
    std::uint8_t f = 0;
    if (parts != nullptr) {
      p = put_varint(p, static_cast<std::uint64_t>(parts->ms) - static_cast<std::uint64_t>(base_ms_));
      const auto expect = static_cast<std::int64_t>(base_seq_) + static_cast<std::int64_t>(count_);
      p = put_varint(p, zigzag(static_cast<std::int64_t>(parts->seq) - expect));
    } else {
      f |= batch_rec_eid_text;
      p = put_bytes(p, r.eid);
    }
    p = put_varint(p, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(r.timestamp) -
                                                       static_cast<std::uint64_t>(base_ts_))));
    p = put_varint(p, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(r.event_source_timestamp) -
                                                       static_cast<std::uint64_t>(r.timestamp))));
    if (own_id) {
      f |= batch_rec_own_id;
      p = put_bytes(p, r.id);
    }
    if (c) {
      f |= batch_rec_correlation;
      p = put_bytes(p, c->source);
      p = put_bytes(p, c->start);
      p = put_bytes(p, c->end);
      p = put_varint(p, c->units);
    }
    p = put_bytes(p, r.payload);
    *flags = static_cast<char>(f);
    p_ = p;
    ++count_;
    if (static_cast<std::size_t>(p_ - crc_at_) >= crc_step_) advance_crc();
  }

  [[gnu::always_inline]] static char* put_bytes(char* p, std::string_view s) noexcept {
    p = put_varint(p, s.size());
    copy_bytes(p, s.data(), s.size());
    return p + s.size();
  }

  // memcpy, inline from 16 to 128 bytes (the head's and the tail's fixed-size blocks, which may
  // overlap): for a payload-sized copy the call to the library's memcpy, which picks its path
  // by the size, costs about as much as the copy.
  [[gnu::always_inline]] static void copy_bytes(char* d, const char* s, std::size_t n) noexcept {
    if (n - 16 <= 128 - 16) {
      if (n > 64) {
        std::memcpy(d, s, 64);
        std::memcpy(d + n - 64, s + n - 64, 64);
      } else if (n > 32) {
        std::memcpy(d, s, 32);
        std::memcpy(d + n - 32, s + n - 32, 32);
      } else {
        std::memcpy(d, s, 16);
        std::memcpy(d + n - 16, s + n - 16, 16);
      }
    } else if (n != 0) {
      std::memcpy(d, s, n);
    }
  }

  char* h_ = nullptr;
  char* p_ = nullptr;
  const char* crc_at_ = nullptr;  // the body's bytes before it (from batch_crc_from) are in crc_
  std::size_t crc_step_ = batch_crc_step;
  std::uint32_t crc_ = 0;
  std::uint32_t count_ = 0;
  std::int64_t base_ms_ = 0;
  std::uint32_t base_seq_ = 0;
  std::int64_t base_ts_ = 0;
  std::string_view id_;
};

/// Appends one batch frame of `records` (the first numbered `recno`) to `out`; eids in the
/// standard form are stored as numbers, any other as text.
inline void encode_batch_frame(std::string& out, std::span<const record> records, std::uint64_t recno) {
  if (records.empty()) return;
  std::size_t room = batch_frame_overhead(records.front());
  for (const auto& r : records) room += batch_record_max(r);
  const auto at = out.size();
  out.resize(at + room);
  batch_writer w;
  eid_parts first{};
  const bool first_std = standard_eid(records.front().eid, first);
  w.begin(out.data() + at, records.front(), first_std ? &first : nullptr, recno);
  for (const auto& r : records) {
    eid_parts parts{};
    w.add(r, standard_eid(r.eid, parts) ? &parts : nullptr);
  }
  out.resize(at + w.finish());
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

/// One record read in place: the strings point into the frame's buffer, or (a batch frame's
/// eid) into the frame_records that decoded it, valid until its next call.
struct record_view {
  std::uint64_t recno = 0;
  std::int64_t timestamp = 0;
  std::int64_t event_source_timestamp = 0;
  std::string_view eid, id, payload;
  bool has_correlation = false;
  std::string_view corr_source, corr_start, corr_end;
  std::uint64_t corr_units = 1;
};

/// One frame read in place (the views point into the buffer given to parse_frame). A version 1
/// frame holds one record, `single`; a batch frame `count` records, read with frame_records.
struct frame_view {
  std::size_t size = 0;     // header + body
  std::uint64_t recno = 0;  // the first record's number
  std::uint32_t count = 1;
  bool batch = false;
  const char* body = nullptr;
  std::size_t body_len = 0;
  record_view single;  // version 1 frames
  // batch frames: the base of the deltas, the batch's bot id, where the records start
  std::int64_t base_ms = 0;
  std::uint32_t base_seq = 0;
  std::int64_t base_ts = 0;
  std::string_view id;
  std::size_t records_at = 0;
};

/// Checks the header only; on ok or bad_body `size` is the frame's size.
inline frame_status parse_frame_header(const char* p, std::size_t avail, std::size_t& size) noexcept {
  if (avail < frame_header_size) return frame_status::incomplete;
  const auto magic = get_le<std::uint32_t>(p);
  if ((magic != frame_magic && magic != batch_magic) || get_le<std::uint32_t>(p + 12) != crc32c(0, p, 12))
    return frame_status::bad_header;
  const auto body_len = get_le<std::uint32_t>(p + 4);
  const auto min_body = magic == frame_magic ? frame_body_fixed : batch_body_fixed;
  if (body_len < min_body || body_len > frame_max_body) return frame_status::bad_header;
  size = frame_header_size + body_len;
  return avail < size ? frame_status::incomplete : frame_status::ok;
}

/// Parses the frame at p; `verify` false skips the body checksum (for records only skipped
/// over). A batch frame's records are checked as frame_records reads them (check_records).
inline frame_status parse_frame(const char* p, std::size_t avail, frame_view& f,
                                bool verify = true) noexcept {
  std::size_t size = 0;
  const auto st = parse_frame_header(p, avail, size);
  if (st != frame_status::ok) return st;
  const char* b = p + frame_header_size;
  const auto body_len = size - frame_header_size;
  if (verify && get_le<std::uint32_t>(p + 8) != crc32c(0, b, body_len)) return frame_status::bad_body;
  f.size = size;
  f.body = b;
  f.body_len = body_len;
  if (get_le<std::uint32_t>(p) == batch_magic) {
    if (static_cast<std::uint8_t>(b[0]) != batch_version) return frame_status::bad_layout;
    const auto id_len = get_le<std::uint16_t>(b + 2);
    f.batch = true;
    f.count = get_le<std::uint32_t>(b + 4);
    f.recno = get_le<std::uint64_t>(b + 8);
    f.base_ms = get_le<std::int64_t>(b + 16);
    f.base_seq = get_le<std::uint32_t>(b + 24);
    f.base_ts = get_le<std::int64_t>(b + 32);
    f.records_at = batch_body_fixed + id_len;
    // Every record takes at least 6 bytes: a count the body cannot hold is damage.
    if (f.count == 0 || f.records_at > body_len || (body_len - f.records_at) / 6 < f.count)
      return frame_status::bad_layout;
    f.id = std::string_view(b + batch_body_fixed, id_len);
    return frame_status::ok;
  }
  if (static_cast<std::uint8_t>(b[0]) != frame_version) return frame_status::bad_layout;
  f.batch = false;
  f.count = 1;
  auto& r = f.single;
  r.has_correlation = (static_cast<std::uint8_t>(b[1]) & frame_flag_correlation) != 0;
  const auto eid_len = get_le<std::uint16_t>(b + 2);
  const auto id_len = get_le<std::uint16_t>(b + 4);
  f.recno = r.recno = get_le<std::uint64_t>(b + 8);
  r.timestamp = get_le<std::int64_t>(b + 16);
  r.event_source_timestamp = get_le<std::int64_t>(b + 24);
  const auto payload_len = get_le<std::uint32_t>(b + 32);
  std::size_t at = frame_body_fixed;
  std::size_t src_len = 0, start_len = 0, end_len = 0;
  r.corr_units = 1;
  if (r.has_correlation) {
    if (body_len < at + frame_corr_fixed) return frame_status::bad_layout;
    src_len = get_le<std::uint16_t>(b + at);
    start_len = get_le<std::uint16_t>(b + at + 2);
    end_len = get_le<std::uint16_t>(b + at + 4);
    r.corr_units = get_le<std::uint64_t>(b + at + 8);
    at += frame_corr_fixed;
  }
  if (at + eid_len + id_len + src_len + start_len + end_len + payload_len != body_len)
    return frame_status::bad_layout;
  const auto take = [&](std::size_t n) {
    std::string_view v(b + at, n);
    at += n;
    return v;
  };
  r.eid = take(eid_len);
  r.id = take(id_len);
  if (r.has_correlation) {
    r.corr_source = take(src_len);
    r.corr_start = take(start_len);
    r.corr_end = take(end_len);
  } else {
    r.corr_source = r.corr_start = r.corr_end = {};
  }
  r.payload = take(payload_len);
  return frame_status::ok;
}

/// The records of a parsed frame, in order. next() decodes one (false at the end or at a
/// record whose fields do not add up: status() tells); a position (index, offset) taken with
/// index() and offset() can be returned to with seek(), as read cursors do inside a batch.
class frame_records {
 public:
  explicit frame_records(const frame_view& f) noexcept : f_(&f), at_(f.records_at) {}

  [[gnu::always_inline]] bool next(record_view& r) noexcept {
    if (index_ >= f_->count) {
      if (f_->batch && at_ != f_->body_len) status_ = frame_status::bad_layout;
      return false;
    }
    if (!f_->batch) {
      r = f_->single;
      ++index_;
      return true;
    }
    if (!(common_next() ? decode_common(r) : decode(r))) {
      status_ = frame_status::bad_layout;
      index_ = f_->count;
      return false;
    }
    r.recno = f_->recno + index_;
    ++index_;
    return true;
  }

  [[nodiscard]] frame_status status() const noexcept { return status_; }
  [[nodiscard]] std::uint32_t index() const noexcept { return index_; }
  [[nodiscard]] std::size_t offset() const noexcept { return at_; }
  void seek(std::uint32_t index, std::size_t offset) noexcept {
    index_ = index;
    at_ = offset;
  }

 private:
  // True when the next record is the common one (batch_writer::add): its flags and four deltas
  // all zero, so its eid is the next of the batch and its timestamps and bot id the batch's.
  [[nodiscard]] bool common_next() const noexcept {
    const char* p = f_->body + at_;
    return f_->body_len - at_ > 5 && get_le<std::uint32_t>(p) == 0 && p[4] == 0;
  }

  // The common record: five zero bytes, then the payload.
  [[gnu::always_inline]] bool decode_common(record_view& r) noexcept {
    const auto seq = static_cast<std::uint64_t>(f_->base_seq) + index_;
    if (f_->base_ms < 0 || f_->base_ms >= max_eid_ms || seq > eid_max_seq) return false;
    const char* p = f_->body + at_ + 5;
    if (!bytes(p, f_->body + f_->body_len, r.payload)) return false;
    r.eid = eid_text(f_->base_ms, static_cast<std::uint32_t>(seq));
    r.timestamp = r.event_source_timestamp = f_->base_ts;
    r.id = f_->id;
    r.has_correlation = false;
    r.corr_units = 1;
    r.corr_source = r.corr_start = r.corr_end = {};
    at_ = static_cast<std::size_t>(p - f_->body);
    return true;
  }

  // Any record (the common one too).
  [[gnu::noinline]] bool decode(record_view& r) noexcept {
    const char* p = f_->body + at_;
    const char* end = f_->body + f_->body_len;
    if (p == end) return false;
    const auto flags = static_cast<std::uint8_t>(*p++);
    if ((flags & ~(batch_rec_eid_text | batch_rec_correlation | batch_rec_own_id)) != 0) return false;
    std::uint64_t v = 0;
    if ((flags & batch_rec_eid_text) != 0) {
      if (!bytes(p, end, r.eid)) return false;
    } else {
      std::uint64_t seq_delta = 0;
      if (!get_varint(p, end, v) || !get_varint(p, end, seq_delta)) return false;
      const auto ms = static_cast<std::int64_t>(static_cast<std::uint64_t>(f_->base_ms) + v);
      const auto seq = static_cast<std::int64_t>(static_cast<std::uint64_t>(f_->base_seq) + index_ +
                                                 static_cast<std::uint64_t>(unzigzag(seq_delta)));
      if (ms < 0 || ms >= max_eid_ms || seq < 0 || seq > eid_max_seq) return false;
      r.eid = eid_text(ms, static_cast<std::uint32_t>(seq));
    }
    if (!get_varint(p, end, v)) return false;
    r.timestamp = static_cast<std::int64_t>(static_cast<std::uint64_t>(f_->base_ts) +
                                            static_cast<std::uint64_t>(unzigzag(v)));
    if (!get_varint(p, end, v)) return false;
    r.event_source_timestamp = static_cast<std::int64_t>(static_cast<std::uint64_t>(r.timestamp) +
                                                         static_cast<std::uint64_t>(unzigzag(v)));
    r.id = f_->id;
    if ((flags & batch_rec_own_id) != 0 && !bytes(p, end, r.id)) return false;
    r.has_correlation = (flags & batch_rec_correlation) != 0;
    r.corr_units = 1;
    if (r.has_correlation) {
      if (!bytes(p, end, r.corr_source) || !bytes(p, end, r.corr_start) || !bytes(p, end, r.corr_end) ||
          !get_varint(p, end, r.corr_units))
        return false;
    } else {
      r.corr_source = r.corr_start = r.corr_end = {};
    }
    if (!bytes(p, end, r.payload)) return false;
    at_ = static_cast<std::size_t>(p - f_->body);
    return true;
  }

  [[gnu::always_inline]] static bool bytes(const char*& p, const char* end, std::string_view& out) noexcept {
    std::uint64_t n = 0;
    if (!get_varint(p, end, n) || n > static_cast<std::uint64_t>(end - p)) return false;
    out = std::string_view(p, static_cast<std::size_t>(n));
    p += n;
    return true;
  }

  // The text of a standard eid; the "z/YYYY/MM/DD/HH/mm/<ms>-" part is kept for the next
  // record of the same ms (most of a batch), and the sequence after seq - 1 (the next record of
  // a batch) is one decimal increment of the text in place.
  [[gnu::always_inline]] std::string_view eid_text(std::int64_t ms, std::uint32_t seq) noexcept {
    if (ms == text_ms_ && seq == text_seq_ + 1) {
      // seq <= eid_max_seq (7 digits), so the previous text had a digit below 9 to carry into.
      char* d = text_ + prefix_len_ + 6;
      while (*d == '9') *d-- = '0';
      ++*d;
      text_seq_ = seq;
      return {text_, prefix_len_ + 7};
    }
    return eid_text_any(ms, seq);
  }

  [[gnu::noinline]] std::string_view eid_text_any(std::int64_t ms, std::uint32_t seq) noexcept {
    if (ms != text_ms_) {
      const auto c = eid_civil_from_ms(ms);
      char* p = text_;
      *p++ = 'z';
      *p++ = '/';
      p = digits(p, static_cast<std::uint64_t>(c.year), 4);
      for (const unsigned v : {c.month, c.day, c.hour, c.minute}) {
        *p++ = '/';
        p = digits(p, v, 2);
      }
      *p++ = '/';
      p = digits(p, static_cast<std::uint64_t>(ms), 1);
      *p++ = '-';
      prefix_len_ = static_cast<std::size_t>(p - text_);
      text_ms_ = ms;
    }
    digits(text_ + prefix_len_, seq, 7);
    text_seq_ = seq;
    return {text_, prefix_len_ + 7};
  }

  // Writes `v` in decimal, zero-padded to `width`; returns the end.
  static char* digits(char* p, std::uint64_t v, int width) noexcept {
    char buf[20];
    int n = 0;
    do {
      buf[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (int i = n; i < width; ++i) *p++ = '0';
    while (n > 0) *p++ = buf[--n];
    return p;
  }

  static constexpr std::int64_t max_eid_ms = 253'402'300'800'000;  // make_eid's range: 1970-9999

  const frame_view* f_;
  std::uint32_t index_ = 0;
  std::size_t at_ = 0;
  frame_status status_ = frame_status::ok;
  std::int64_t text_ms_ = -1;
  std::uint32_t text_seq_ = 0;  // the sequence number in text_ (when text_ms_ is set)
  std::size_t prefix_len_ = 0;
  char text_[eid_text_max] = {};
};

/// Decodes every record of a parsed frame: ok, or bad_layout when they do not add up. `last`
/// (optional) gets the last record; its eid is copied into `last_eid` (its view in `last` points
/// there, or is empty without one).
inline frame_status check_records(const frame_view& f, record_view* last = nullptr,
                                  std::string* last_eid = nullptr) {
  frame_records recs(f);
  record_view r;
  bool any = false;
  while (recs.next(r)) any = true;
  if (recs.status() != frame_status::ok || !any) return frame_status::bad_layout;
  if (last_eid) last_eid->assign(r.eid);
  if (last) {
    *last = r;
    // A batch record's eid text lives in `recs`: point at the copy, or at nothing.
    last->eid = last_eid ? std::string_view(*last_eid) : std::string_view{};
  }
  return frame_status::ok;
}

/// The first record of a parsed frame; false when it does not decode.
inline bool first_record(const frame_view& f, record_view& r, std::string& eid) {
  frame_records recs(f);
  if (!recs.next(r)) return false;
  eid.assign(r.eid);
  r.eid = eid;
  return true;
}

/// The record `v` holds, in queue `queue`.
inline void view_to_record(const record_view& v, std::string_view queue, record& r) {
  // `r` may be a record of an earlier batch (read_at): its strings are overwritten in place.
  assign_text(r.eid, v.eid);
  assign_text(r.id, v.id);
  assign_text(r.event, queue);
  r.timestamp = v.timestamp;
  r.event_source_timestamp = v.event_source_timestamp;
  if (v.has_correlation) {
    r.correlation_id.emplace();
    r.correlation_id->source.assign(v.corr_source);
    r.correlation_id->start.assign(v.corr_start);
    r.correlation_id->end.assign(v.corr_end);
    r.correlation_id->units = v.corr_units;
  } else {
    r.correlation_id.reset();
  }
  assign_text(r.payload, v.payload);
}

/// The record a version 1 frame holds, in queue `queue`.
inline void frame_to_record(const frame_view& f, std::string_view queue, record& r) {
  view_to_record(f.single, queue, r);
}

}  // namespace rstreams::bus::detail
