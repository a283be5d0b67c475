#pragma once
// A queue (or an eid range of it) to an RStreams JSON-lines file, plain or gzip.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/gz_lines.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/transfer/envelope_json.hpp>
#include <rstreams/bus/transfer/transfer_progress.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace rstreams::bus {

/// What `export_events` writes.
struct export_options {
  /// Events strictly after this eid or prefix ("" = from the beginning; a start made with
  /// eid_from_time includes that time).
  std::string after{};
  /// The last eid to write, or a prefix whose events are all written ("" = to the end).
  std::string through{};
  /// gzip the file (level 6); otherwise plain text.
  bool gzip = false;
  /// Records per backend read.
  std::size_t batch = 1000;
  transfer_callback progress{};
};

/// Writes the events of `queue` (as stored now) to `path`, one envelope per line with its eid,
/// and returns the final progress. The file is written whole or an error is thrown.
template <backend B>
transfer_progress export_events(B& bus, const std::string& queue, const std::string& path,
                                const export_options& o = {}) {
  validate_queue_name(queue);
  validate_position(o.after);
  validate_position(o.through);
  if (o.batch == 0) throw config_error("rstreams::bus::export_events: batch must be at least 1");
  const auto t0 = std::chrono::steady_clock::now();
  transfer_progress p;
  detail::gz_file out(path, o.gzip ? "wb6" : "wT", "export " + path);
  // Past `through`: beyond it and not starting with it (a prefix covers all its eids).
  const auto past = [&](const std::string& eid) {
    return !o.through.empty() && eid > o.through && eid.compare(0, o.through.size(), o.through) != 0;
  };
  std::vector<record> recs;
  std::string text;
  std::string after = o.after == "z/" ? std::string{} : o.after;
  bool end = false;
  while (!end) {
    recs.clear();
    if (bus.read(queue, after, o.batch, recs) == 0) break;
    text.clear();
    for (auto& r : recs) {
      if (past(r.eid)) {
        end = true;
        break;
      }
      if (r.event.empty()) r.event = queue;
      append_envelope(text, r);
      text += '\n';
      ++p.events;
      ++p.lines;
    }
    p.bytes += text.size();
    out.write(text);
    after = recs.back().eid;
    p.elapsed = std::chrono::steady_clock::now() - t0;
    if (o.progress) o.progress(p);
  }
  out.close();
  p.elapsed = std::chrono::steady_clock::now() - t0;
  p.done = true;
  if (o.progress) o.progress(p);
  return p;
}

}  // namespace rstreams::bus
