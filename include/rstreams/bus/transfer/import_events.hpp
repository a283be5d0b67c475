#pragma once
// RStreams JSON-lines files (plain or gzip) into a queue, keeping the eids they carry.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/gz_lines.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/transfer/envelope_json.hpp>
#include <rstreams/bus/transfer/transfer_progress.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rstreams::bus {

/// How `import_events` reads and stores.
struct import_options {
  /// Store each event under the eid of its line: every line then needs a full eid, strictly
  /// after the queue's last eid and the line before. Off: the queue assigns new eids.
  bool keep_eids = true;
  /// Bare payload lines, and the id of wrapped payloads (see envelope_read_options).
  envelope_read_options envelope{};
  /// Events per append.
  std::size_t batch = 1000;
  transfer_callback progress{};
};

/// Appends every event of the JSON-lines file at `path` (plain or gzip, detected) to `queue`
/// and returns the final progress. Blank lines are skipped. An envelope's own `event` is
/// replaced by `queue`. Throws envelope_error naming the file and line for a line that does not
/// parse, lacks an eid (keeping eids) or is not after the one before; what was appended before
/// that batch stays (appends are batches of `o.batch`; the failing batch is stored as a whole or
/// not at all).
template <backend B>
transfer_progress import_events(B& bus, const std::string& queue, const std::string& path,
                                const import_options& o = {}) {
  validate_queue_name(queue);
  if (o.batch == 0) throw config_error("rstreams::bus::import_events: batch must be at least 1");
  if constexpr (!backend_keeping_eids<B>)
    if (o.keep_eids)
      throw config_error("rstreams::bus::import_events: backend " + bus.describe() +
                         " cannot store caller-given eids; import with keep_eids = false");
  const auto t0 = std::chrono::steady_clock::now();
  transfer_progress p;
  detail::gz_file in(path, "rb", "import " + path);
  std::string prev;  // the eid the next line must follow
  if (o.keep_eids)
    for (const auto& q : bus.queues())
      if (q.name == queue) prev = q.last_eid;
  std::vector<record> batch;
  std::vector<std::uint64_t> lines;  // the line of each record in `batch`
  batch.reserve(o.batch);
  const auto report = [&](bool done) {
    p.elapsed = std::chrono::steady_clock::now() - t0;
    p.done = done;
    if (o.progress) o.progress(p);
  };
  const auto flush = [&] {
    if (batch.empty()) return;
    try {
      if constexpr (backend_keeping_eids<B>) {
        if (o.keep_eids)
          bus.append_keeping_eids(queue, std::span<record>(batch));
        else
          bus.append(queue, std::span<record>(batch));
      } else {
        bus.append(queue, std::span<record>(batch));
      }
    } catch (const eid_order_error& e) {
      // Another writer appended to the queue meanwhile.
      throw envelope_error(path, lines.at(e.index()), e.what());
    }
    p.events += batch.size();
    batch.clear();
    lines.clear();
    report(false);
  };
  std::string line;
  while (in.getline(line)) {
    ++p.lines;
    p.bytes += line.size() + 1;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    record r = parse_envelope(line, o.envelope, path, p.lines);
    r.event = queue;
    if (o.keep_eids) {
      if (r.eid.empty())
        throw envelope_error(path, p.lines, "no eid (import with keep_eids = false to assign new ones)");
      try {
        (void)parse_eid(r.eid);
      } catch (const eid_error& e) {
        throw envelope_error(path, p.lines, e.what());
      }
      if (r.eid <= prev)
        throw envelope_error(path, p.lines,
                             "eid " + r.eid + " is not after " + prev +
                                 " (eids must strictly increase per queue; import with keep_eids = false "
                                 "to assign new ones)");
      prev = r.eid;
    } else {
      r.eid.clear();
    }
    batch.push_back(std::move(r));
    lines.push_back(p.lines);
    if (batch.size() >= o.batch) flush();
  }
  flush();
  report(true);
  return p;
}

}  // namespace rstreams::bus
