#pragma once
// The header at the start of every segment of format versions 2 to 5 (docs/local-log-format.md);
// they differ in their frames (2: one record per frame, 3 to 5: record batches) and in how
// appenders of the segment coordinate (4: they bump the lock file's tail generation, 5: they
// also hold its mutex; lock_page.hpp):
//
//   0  magic "RSSG"             u32
//   4  segment format version   u16  (2 to 5)
//   6  header size              u16  (frames start here; a multiple of 8)
//   8  base record number       u64  (the record number of the segment's first frame)
//  16  segment number           u64  (the number in the file's name)
//  24  created at, ms UTC       i64
//  32  queue name length        u16
//  34  flags                    u16  (bit 0: written under an fsync policy, so bytes past the
//                                     durable horizon may be torn by a power cut)
//  36  CRC32C of bytes 0..35 and the queue name
//  40  durable horizon          u64  (bytes of this file known fsynced; rewritten after fsyncs,
//                                     not covered by the checksum, only ever a lower bound)
//  48  queue name, zero-padded to the header size
//
// Segments of version 1 have no header: they start with a frame ("RSE1") and are still read.
// A file under a segment's name that starts with neither is not rstreams' and is never changed.

#include <rstreams/bus/local/crc32c.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/record_codec.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

inline constexpr std::uint32_t segment_magic = 0x47535352u;  // "RSSG"
inline constexpr std::uint16_t segment_version = 5;          // what new segments get
// The first version whose appenders all bump the lock file's tail generation (a library that
// does not know the protocol refuses the segment as newer than it reads, so never appends to it).
inline constexpr std::uint16_t segment_version_tail_generation = 4;
// The first version whose appenders all hold the lock file's mutex (lock_page.hpp), so that
// appenders of it may lock with the mutex alone.
inline constexpr std::uint16_t segment_version_queue_mutex = 5;
inline constexpr std::uint16_t segment_version_min_headed = 2;
inline constexpr std::size_t segment_header_fixed = 48;
inline constexpr std::size_t segment_horizon_at = 40;

/// What the first bytes of a segment file say it is.
enum class segment_kind {
  headed,   // a version 2 to 5 header
  legacy,   // version 1: frames from byte 0
  empty,    // no bytes, or a prefix of a header whose writer died (rstreams' own half-created file)
  future,   // a header of a newer format version
  foreign,  // not written by rstreams (or its header is damaged)
};

struct segment_head {
  segment_kind kind = segment_kind::empty;
  std::uint64_t data_start = 0;  // where the first frame starts
  std::uint16_t version = 1;
  std::uint64_t base_recno = 0;
  std::uint64_t number = 0;
  std::uint64_t horizon = 0;
  bool durable = false;
  std::string queue;
  std::string problem;  // why it is foreign or future
};

inline std::size_t segment_header_size(std::string_view queue) noexcept {
  return (segment_header_fixed + queue.size() + 7) & ~std::size_t{7};
}

inline constexpr std::uint16_t segment_flag_durable = 1;

inline std::string encode_segment_header(std::string_view queue, std::uint64_t number,
                                         std::uint64_t base_recno, std::int64_t created_ms, bool durable,
                                         std::uint16_t version = segment_version) {
  std::string h(segment_header_size(queue), '\0');
  char* p = h.data();
  put_le<std::uint32_t>(p, segment_magic);
  put_le<std::uint16_t>(p + 4, version);
  put_le<std::uint16_t>(p + 6, static_cast<std::uint16_t>(h.size()));
  put_le<std::uint64_t>(p + 8, base_recno);
  put_le<std::uint64_t>(p + 16, number);
  put_le<std::int64_t>(p + 24, created_ms);
  put_le<std::uint16_t>(p + 32, static_cast<std::uint16_t>(queue.size()));
  put_le<std::uint16_t>(p + 34, durable ? segment_flag_durable : 0);
  std::memcpy(p + segment_header_fixed, queue.data(), queue.size());
  auto crc = crc32c(0, p, 36);
  crc = crc32c(crc, queue.data(), queue.size());
  put_le<std::uint32_t>(p + 36, crc);
  put_le<std::uint64_t>(p + segment_horizon_at, h.size());
  return h;
}

/// Decodes the first bytes of a segment (`got` of them read at offset 0; `size` is the file's).
inline segment_head decode_segment_head(const char* p, std::size_t got, std::uint64_t size) {
  segment_head h;
  if (size == 0) return h;
  // A headless (format 1) segment starts with a frame. Only single-record frames were written
  // then, but a batch frame is as much rstreams' own: repair can leave one first (found by
  // local_segment_fuzz: the repaired file was called foreign while the reader accepted it).
  if (got >= 4 && (get_le<std::uint32_t>(p) == frame_magic || get_le<std::uint32_t>(p) == batch_magic)) {
    h.kind = segment_kind::legacy;
    return h;
  }
  constexpr char magic[4] = {'R', 'S', 'S', 'G'};
  if (size < segment_header_fixed) {
    // A header cut short by a crash while the file was being created: rstreams' own, rewritable.
    if (got == size && std::memcmp(p, magic, std::min<std::size_t>(got, 4)) == 0) return h;
    h.kind = segment_kind::foreign;
    h.problem = "too short for a segment header and not a frame";
    return h;
  }
  if (got < segment_header_fixed || get_le<std::uint32_t>(p) != segment_magic) {
    h.kind = segment_kind::foreign;
    h.problem = "starts with neither a segment header nor a frame";
    return h;
  }
  h.version = get_le<std::uint16_t>(p + 4);
  if (h.version > segment_version) {
    h.kind = segment_kind::future;
    h.problem = "segment format version " + std::to_string(h.version) +
                " is newer than this library reads (" + std::to_string(segment_version) +
                "); upgrade rstreams to read it";
    return h;
  }
  const auto hsize = get_le<std::uint16_t>(p + 6);
  const auto qlen = get_le<std::uint16_t>(p + 32);
  if (h.version < segment_version_min_headed || hsize != segment_header_size(std::string_view(p, qlen)) ||
      hsize > got) {
    h.kind = segment_kind::foreign;
    h.problem = "segment header fields do not add up (damaged header)";
    return h;
  }
  auto crc = crc32c(0, p, 36);
  crc = crc32c(crc, p + segment_header_fixed, qlen);
  if (crc != get_le<std::uint32_t>(p + 36)) {
    h.kind = segment_kind::foreign;
    h.problem = "segment header checksum mismatch (damaged header)";
    return h;
  }
  h.kind = segment_kind::headed;
  h.data_start = hsize;
  h.base_recno = get_le<std::uint64_t>(p + 8);
  h.number = get_le<std::uint64_t>(p + 16);
  h.queue.assign(p + segment_header_fixed, qlen);
  h.durable = (get_le<std::uint16_t>(p + 34) & segment_flag_durable) != 0;
  h.horizon = get_le<std::uint64_t>(p + segment_horizon_at);
  if (h.horizon < hsize) h.horizon = hsize;
  return h;
}

/// Reads and decodes the head of an open segment; `expect_queue` and `expect_number` are checked
/// against a header (a segment copied or renamed from elsewhere is not this queue's).
inline segment_head read_segment_head(int fd, const std::string& path, std::uint64_t size,
                                      std::string_view expect_queue, std::uint64_t expect_number) {
  char buf[segment_header_fixed + 512];
  const auto got = pread_full(fd, buf, sizeof buf, 0, path);
  auto h = decode_segment_head(buf, got, size);
  if (h.kind == segment_kind::headed && (h.queue != expect_queue || h.number != expect_number)) {
    h.problem = "segment header names queue \"" + h.queue + "\" segment " + std::to_string(h.number) +
                ", not queue \"" + std::string(expect_queue) + "\" segment " + std::to_string(expect_number);
    h.kind = segment_kind::foreign;
  }
  return h;
}

/// Records that the first `bytes` of the segment are durable (after an fsync that covered them).
/// Unsynced itself, so what a crash leaves is always a lower bound.
inline void write_segment_horizon(int fd, const std::string& path, std::uint64_t bytes) {
  char b[8];
  put_le<std::uint64_t>(b, bytes);
  pwrite_full(fd, b, sizeof b, segment_horizon_at, path);
}

}  // namespace rstreams::bus::detail
