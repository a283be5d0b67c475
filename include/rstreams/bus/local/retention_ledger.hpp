#pragma once
// What retention removed from a queue, kept in `<queue>/retention.json` (written before a
// segment is unlinked, so a read can always tell "removed by retention" from "not there"), and
// the decoding of a whole closed segment for retention and its archive.

#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/retention.hpp>
#include <rstreams/bus/local/segment_header.hpp>
#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

namespace rstreams::bus::detail {

inline constexpr const char* retention_ledger_name = "retention.json";

/// One removed segment as the ledger records it.
struct ledger_segment {
  std::uint64_t number = 0;
  std::string first_eid;
  std::string last_eid;
  std::uint64_t records = 0;
};

/// Everything retention removed from one queue, oldest first.
struct retention_ledger {
  std::vector<ledger_segment> segments;

  [[nodiscard]] bool empty() const noexcept { return segments.empty(); }
  /// The last eid removed.
  [[nodiscard]] const std::string& removed_through() const { return segments.back().last_eid; }
  /// How many removed events have an eid > `after`: exact unless `after` falls inside a removed
  /// segment (then that whole segment is counted, an upper bound).
  [[nodiscard]] std::uint64_t removed_after(std::string_view after) const {
    std::uint64_t n = 0;
    for (const auto& s : segments)
      if (s.last_eid > after) n += s.records;
    return n;
  }
};

/// Reads `<queue_dir>/retention.json`; empty when there is none. A damaged ledger throws
/// io_error naming it (a read must not guess what was removed).
inline retention_ledger read_retention_ledger(const std::string& queue_dir) {
  retention_ledger l;
  const auto path = queue_dir + "/" + retention_ledger_name;
  auto fd = open_if_exists(path, O_RDONLY | O_NOFOLLOW);
  if (!fd) return l;
  std::string text(file_size(fd.get(), path), '\0');
  text.resize(pread_full(fd.get(), text.data(), text.size(), 0, path));
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("version").get<int>() != 1)
      throw io_error(path, "retention ledger of an unknown version " + j.at("version").dump());
    for (const auto& s : j.at("segments"))
      l.segments.push_back({s.at("number").get<std::uint64_t>(), s.at("first").get<std::string>(),
                            s.at("last").get<std::string>(), s.at("records").get<std::uint64_t>()});
  } catch (const nlohmann::json::exception& e) {
    throw io_error(path, std::string("damaged retention ledger: ") + e.what());
  }
  return l;
}

inline void write_retention_ledger(const std::string& queue_dir, const retention_ledger& l, bool durable) {
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : l.segments)
    segs.push_back(
        {{"number", s.number}, {"first", s.first_eid}, {"last", s.last_eid}, {"records", s.records}});
  const nlohmann::json j{{"version", 1}, {"segments", std::move(segs)}};
  replace_file(queue_dir, retention_ledger_name, j.dump(), durable);
}

/// Decodes every record of closed segment `num` (checksums verified). Throws corrupt-style
/// io_error when a frame is bad: retention never removes a segment it cannot account for.
inline removed_segment read_closed_segment(const std::string& path, const std::string& queue,
                                           std::uint64_t num, bool keep_records) {
  removed_segment out;
  out.queue = queue;
  out.file = path;
  out.number = num;
  auto fd = open_file(path, O_RDONLY | O_NOFOLLOW);
  const auto size = file_size(fd.get(), path);
  const auto head = read_segment_head(fd.get(), path, size, queue, num);
  if (head.kind != segment_kind::headed && head.kind != segment_kind::legacy)
    throw io_error(path, "queue " + queue +
                             ": retention refuses to remove a segment that is not this queue's (" +
                             head.problem + ")");
  std::string data(size, '\0');
  data.resize(pread_full(fd.get(), data.data(), data.size(), 0, path));
  out.bytes = data.size();
  std::size_t off = head.data_start;
  while (off < data.size()) {
    frame_view f;
    auto st = parse_frame(data.data() + off, data.size() - off, f, true);
    if (st == frame_status::ok) st = check_records(f);
    if (st != frame_status::ok)
      throw io_error(path, "queue " + queue + ": retention refuses to remove a damaged segment (offset " +
                               std::to_string(off) + ": " + frame_status_reason(st) + "); repair it first");
    frame_records recs(f);
    record_view r;
    while (recs.next(r)) {
      if (out.records == 0) out.first_eid.assign(r.eid);
      ++out.records;
      if (keep_records) {
        out.events.emplace_back();
        view_to_record(r, queue, out.events.back());
      }
    }
    out.last_eid.assign(r.eid);
    off += f.size;
  }
  return out;
}

/// The time of the last write to `path` in ms since the epoch.
inline std::int64_t file_mtime_ms(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw_errno(path, "cannot stat");
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace rstreams::bus::detail
