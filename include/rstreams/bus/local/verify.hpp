#pragma once
// Verify and repair of one queue of the local log. verify reads every segment and reports each
// damaged range (file, offset, length, events affected), each missing segment and each file that
// is not rstreams'; repair moves damaged bytes to a quarantine file beside their segment
// (`<segment>.damaged-<offset>`), rewrites the segment without them, drops its index (rebuilt
// on use), stands an empty segment in for a missing one, and reports exactly what was lost.
// Nothing is deleted without being kept; foreign files are reported, never touched.

#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/segment.hpp>
#include <rstreams/bus/local/segment_header.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

namespace rstreams::bus {

/// A range of a segment that holds no valid frame between two valid ones (or the file's end).
struct damaged_range {
  std::string file;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t events = 0;  // records lost in it (from the record numbers around it; at least 1)
  std::string reason;
  std::string quarantine;  // after repair: where its bytes are kept
};

/// A segment number missing between existing ones.
struct segment_gap {
  std::string file;
  std::uint64_t events = 0;  // records lost with it, when the neighbours tell (else 0)
};

struct verify_report {
  std::string queue;
  std::uint64_t segments = 0;
  std::uint64_t records = 0;  // valid records found
  std::vector<damaged_range> damage;
  std::vector<segment_gap> gaps;
  std::vector<std::string> foreign;  // files under a segment's name that are not this queue's
  std::uint64_t torn_bytes = 0;      // an incomplete last write at the end (not damage)
  [[nodiscard]] bool ok() const noexcept { return damage.empty() && gaps.empty() && foreign.empty(); }
  [[nodiscard]] std::uint64_t events_lost() const noexcept {
    std::uint64_t n = 0;
    for (const auto& d : damage) n += d.events;
    for (const auto& g : gaps) n += g.events;
    return n;
  }
};

namespace detail {

/// One segment's frames, read whole (segments are bounded by segment_bytes plus one record).
struct segment_scan {
  std::string path;
  std::uint64_t num = 0;
  segment_head head;
  std::string bytes;
  struct good_run {
    std::uint64_t from = 0, to = 0;  // byte range of consecutive valid frames
    std::uint64_t first_recno = 0, last_recno = 0;
    std::uint64_t frames = 0;  // records; not last - first + 1: a repaired segment has holes in its numbers
  };
  std::vector<good_run> runs;
  std::vector<damaged_range> damage;
  std::uint64_t torn_from = 0;  // bytes from here to the end are a torn tail (== size: none)
};

// A complete frame whose checksums pass and whose records all decode.
inline frame_status parse_whole_frame(const char* p, std::size_t avail, frame_view& f) {
  const auto st = parse_frame(p, avail, f);
  return st == frame_status::ok ? check_records(f) : st;
}

// The next offset after `from` where a complete valid frame starts, or the size.
inline std::uint64_t next_valid_frame(const std::string& b, std::uint64_t from) {
  for (auto at = from + 1; at + frame_header_size <= b.size(); ++at) {
    const auto magic = get_le<std::uint32_t>(b.data() + at);
    if (magic != frame_magic && magic != batch_magic) continue;
    frame_view f;
    if (parse_whole_frame(b.data() + at, b.size() - at, f) == frame_status::ok) return at;
  }
  return b.size();
}

inline segment_scan scan_segment(const std::string& queue_dir, const std::string& queue, std::uint64_t num,
                                 bool last) {
  segment_scan s;
  s.num = num;
  s.path = segment_path(queue_dir, num);
  auto fd = open_file(s.path, O_RDONLY | O_NOFOLLOW);
  const auto size = file_size(fd.get(), s.path);
  s.head = read_segment_head(fd.get(), s.path, size, queue, num);
  if (s.head.kind == segment_kind::foreign || s.head.kind == segment_kind::future) return s;
  s.bytes.resize(size);
  s.bytes.resize(pread_full(fd.get(), s.bytes.data(), size, 0, s.path));
  std::uint64_t pos = s.head.kind == segment_kind::empty ? s.bytes.size() : s.head.data_start;
  s.torn_from = s.bytes.size();
  while (pos < s.bytes.size()) {
    frame_view f;
    const auto st = parse_whole_frame(s.bytes.data() + pos, s.bytes.size() - pos, f);
    if (st == frame_status::ok) {
      const auto last_here = f.recno + f.count - 1;
      if (!s.runs.empty() && s.runs.back().to == pos) {
        s.runs.back().to = pos + f.size;
        s.runs.back().last_recno = last_here;
        s.runs.back().frames += f.count;
      } else {
        s.runs.push_back({pos, pos + f.size, f.recno, last_here, f.count});
      }
      pos += f.size;
      continue;
    }
    const auto next = next_valid_frame(s.bytes, pos);
    const bool at_end = next == s.bytes.size();
    // The same rule as recovery: a cut last frame, or (durable) bytes past the horizon, are torn.
    if (last && at_end && (st == frame_status::incomplete || (s.head.durable && pos >= s.head.horizon))) {
      s.torn_from = pos;
      break;
    }
    damaged_range d;
    d.file = s.path;
    d.offset = pos;
    d.length = next - pos;
    d.reason = st == frame_status::incomplete ? "segment ends inside a record" : frame_status_reason(st);
    s.damage.push_back(d);
    pos = next;
  }
  return s;
}

inline verify_report verify_queue(const std::string& queue_dir, const std::string& queue,
                                  std::vector<segment_scan>* scans = nullptr) {
  verify_report rep;
  rep.queue = queue;
  const auto nums = list_segments(queue_dir);
  std::optional<std::uint64_t> prev_last;  // the last record number seen so far
  for (std::size_t i = 0; i < nums.size(); ++i) {
    if (i > 0 && nums[i] != nums[i - 1] + 1) {
      for (auto missing = nums[i - 1] + 1; missing < nums[i]; ++missing)
        rep.gaps.push_back({segment_path(queue_dir, missing), 0});
    }
    segment_scan s;
    try {
      s = scan_segment(queue_dir, queue, nums[i], i + 1 == nums.size());
    } catch (const io_error& e) {
      rep.foreign.push_back(std::string(e.what()));
      continue;
    }
    ++rep.segments;
    if (s.head.kind == segment_kind::foreign || s.head.kind == segment_kind::future) {
      rep.foreign.push_back(s.path + ": " + s.head.problem);
      continue;
    }
    // Records lost: the numbers missing between the good runs around each damaged range.
    // (a plain flag and value: GCC 12 at -O3 reports a std::optional here as maybe-uninitialized)
    const bool has_first = s.head.kind == segment_kind::headed || !s.runs.empty();
    const std::uint64_t first_here = s.head.kind == segment_kind::headed ? s.head.base_recno
                                     : has_first                         ? s.runs.front().first_recno
                                                                         : 0;
    if (!rep.gaps.empty() && rep.gaps.back().events == 0 && prev_last && has_first && i > 0 &&
        nums[i] != nums[i - 1] + 1)
      rep.gaps.back().events = first_here > *prev_last + 1 ? first_here - *prev_last - 1 : 0;
    std::optional<std::uint64_t> before = prev_last;
    if (!before && s.head.kind == segment_kind::headed && s.head.base_recno > 0)
      before = s.head.base_recno - 1;
    std::size_t run = 0;
    for (auto& d : s.damage) {
      while (run < s.runs.size() && s.runs[run].to <= d.offset) before = s.runs[run++].last_recno;
      std::optional<std::uint64_t> after;
      if (run < s.runs.size()) after = s.runs[run].first_recno;
      std::uint64_t lost = 1;
      if (after) {
        const auto expected =
            before ? *before + 1 : (s.head.kind == segment_kind::headed ? s.head.base_recno : 0);
        lost = *after > expected ? *after - expected : 1;
      }
      d.events = lost;
      rep.damage.push_back(d);
    }
    for (const auto& r : s.runs) rep.records += r.frames;
    if (!s.runs.empty()) prev_last = s.runs.back().last_recno;
    if (i + 1 == nums.size()) rep.torn_bytes = s.bytes.size() - s.torn_from;
    if (scans) scans->push_back(std::move(s));
  }
  return rep;
}

/// Repairs a queue whose lock the caller holds; returns what verify found, with quarantine paths.
inline verify_report repair_queue(const std::string& queue_dir, const std::string& queue, bool durable,
                                  std::int64_t now_ms) {
  std::vector<segment_scan> scans;
  auto rep = verify_queue(queue_dir, queue, &scans);
  std::size_t next_damage = 0;
  for (auto& s : scans) {
    if (s.damage.empty()) continue;
    std::string kept;
    std::uint64_t at = 0;
    for (const auto& d : s.damage) {
      kept.append(s.bytes, at, d.offset - at);
      auto& out = rep.damage[next_damage++];
      out.quarantine = s.path + ".damaged-" + std::to_string(d.offset);
      for (int k = 2; path_exists(out.quarantine); ++k)
        out.quarantine = s.path + ".damaged-" + std::to_string(d.offset) + "." + std::to_string(k);
      auto q = open_file(out.quarantine, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
      pwrite_full(q.get(), s.bytes.data() + d.offset, d.length, 0, out.quarantine);
      fsync_fd(q.get(), out.quarantine, false);
      at = d.offset + d.length;
    }
    kept.append(s.bytes, at, s.torn_from - at);
    if (s.torn_from < s.bytes.size()) {
      // A torn tail after the damage: kept aside too, since the rewritten file's horizon covers
      // all of it (found by local_segment_fuzz: left in place, it read as damage after repair).
      auto tpath = s.path + ".torn-" + std::to_string(s.torn_from);
      for (int k = 2; path_exists(tpath); ++k)
        tpath = s.path + ".torn-" + std::to_string(s.torn_from) + "." + std::to_string(k);
      auto t = open_file(tpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
      pwrite_full(t.get(), s.bytes.data() + s.torn_from, s.bytes.size() - s.torn_from, 0, tpath);
      fsync_fd(t.get(), tpath, false);
    }
    // The horizon no longer matches the rewritten offsets: say the whole file is durable.
    if (s.head.kind == segment_kind::headed && kept.size() >= segment_header_fixed)
      put_le<std::uint64_t>(kept.data() + segment_horizon_at, kept.size());
    const auto name = numbered_name(s.num, ".seg");
    fsync_dir(queue_dir);  // the quarantine files first
    replace_file(queue_dir, name, kept, true);
    ::unlink(index_path(queue_dir, s.num).c_str());  // a hint; rebuilt as records are appended
  }
  for (const auto& g : rep.gaps) {
    // An empty segment in place of a missing one lets reads continue past the loss.
    const auto num = std::stoull(g.file.substr(g.file.size() - 24, 20));
    const auto h = encode_segment_header(queue, num, 0, now_ms, durable);
    auto fd = open_file(g.file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
    pwrite_full(fd.get(), h.data(), h.size(), 0, g.file);
    fsync_fd(fd.get(), g.file, false);
  }
  ::unlink((queue_dir + "/damaged").c_str());
  fsync_dir(queue_dir);
  return rep;
}

}  // namespace detail
}  // namespace rstreams::bus
