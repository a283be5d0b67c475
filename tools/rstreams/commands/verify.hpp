#pragma once
// `verify [QUEUE...]` and `repair [QUEUE...]` of a local bus: every record's checksum, missing
// segments and foreign files; repair keeps damaged bytes aside and says exactly what was lost.

#include "common.hpp"
#include "progress.hpp"

#include <rstreams/bus/local/local_backend.hpp>

#include <iostream>
#include <memory>

namespace rstreams::cli {

struct verify_args {
  std::vector<std::string> queues;
};

/// Exit status of `verify` when it finds damage (1 is a usage error, 2 a parse error).
inline constexpr int exit_damaged = 3;

inline json verify_json(const rb::verify_report& r) {
  json damage = json::array(), gaps = json::array();
  for (const auto& d : r.damage)
    damage.push_back({{"file", d.file},
                      {"offset", d.offset},
                      {"length", d.length},
                      {"events", d.events},
                      {"reason", d.reason},
                      {"quarantine", d.quarantine}});
  for (const auto& g : r.gaps) gaps.push_back({{"file", g.file}, {"events", g.events}});
  return {{"queue", r.queue},
          {"ok", r.ok()},
          {"segments", r.segments},
          {"records", r.records},
          {"damage", damage},
          {"gaps", gaps},
          {"foreign", r.foreign},
          {"torn_bytes", r.torn_bytes},
          {"events_lost", r.events_lost()}};
}

inline void print_verify(const rb::verify_report& r, bool repaired) {
  std::cout << r.queue << ": "
            << (r.ok()     ? "ok"
                : repaired ? "repaired"
                           : "DAMAGED")
            << " (" << r.segments << (r.segments == 1 ? " segment, " : " segments, ") << r.records
            << " records";
  if (!r.ok())
    std::cout << ", " << r.events_lost() << (r.events_lost() == 1 ? " event" : " events") << " lost";
  std::cout << ")\n";
  for (const auto& d : r.damage) {
    std::cout << "  damaged " << d.file << " offset " << d.offset << " length " << d.length << ": "
              << d.reason << " (" << d.events << (d.events == 1 ? " event)" : " events)");
    if (!d.quarantine.empty()) std::cout << "; bytes kept in " << d.quarantine;
    std::cout << '\n';
  }
  for (const auto& g : r.gaps)
    std::cout << "  missing " << g.file << " (" << g.events << (g.events == 1 ? " event)" : " events)")
              << (repaired ? "; replaced by an empty one" : "") << '\n';
  for (const auto& f : r.foreign) std::cout << "  foreign " << f << " (left in place)\n";
  if (r.torn_bytes > 0)
    std::cout << "  torn tail of " << r.torn_bytes
              << " bytes (an interrupted last write; recovery drops it)\n";
}

inline int run_verify(context& c, const verify_args& a, bool repair) {
  const char* verb = repair ? "repair" : "verify";
  if (c.bus.rfind("nats://", 0) == 0)
    throw usage_error(std::string(verb) + " works on a local bus only: " + c.bus +
                      " is a NATS bus, whose streams JetStream checks itself (see `nats stream info`)");
  auto bus = open_existing_bus(c.bus, c.opt);
  auto* local = bus.target<rb::local_backend>();
  if (local == nullptr)
    throw usage_error(std::string(verb) + " works on a local bus only, not " + bus.describe());
  std::vector<std::string> names = a.queues;
  if (names.empty()) {
    for (const auto& q : bus.queues()) names.push_back(q.name);
  } else {
    for (const auto& q : names) require_queue(bus, q);
  }
  // Sizes for the progress line's ETA, where the queue still reports them.
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  for (const auto& q : names) {
    std::uint64_t b = 0;
    try {
      b = bus.queue_stats(q).bytes;
    } catch (const rstreams::error&) {
    }
    sizes.push_back(b);
    total += b;
  }
  progress_line progress(verb);
  progress.set_totals(0, total);
  json out = json::array();
  std::vector<rb::verify_report> reports;
  std::uint64_t records = 0, bytes = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    progress.update(records, bytes, true);
    auto rep = repair ? local->repair(names[i]) : local->verify(names[i]);
    records += rep.records;
    bytes += sizes[i];
    reports.push_back(std::move(rep));
  }
  progress.update(records, bytes, true);
  progress.finish();
  bool damaged = false;
  for (const auto& r : reports) {
    damaged = damaged || !r.ok();
    if (c.as_json) {
      out.push_back(verify_json(r));
    } else {
      print_verify(r, repair);
    }
  }
  if (c.as_json) std::cout << out.dump(2) << '\n';
  if (damaged && !repair) {
    std::cerr << "rstreams: damage found; `rstreams repair " << c.bus
              << "` moves it aside (nothing is deleted) so the queue takes writes again\n";
    return exit_damaged;
  }
  return 0;
}

/// `verify`, `repair`.
inline void add_verify(CLI::App& app, context& c) {
  auto a = std::make_shared<verify_args>();
  auto* verify = app.add_subcommand("verify", "check every record of a local bus (exit 3 when damaged)");
  add_bus(verify, c);
  verify->add_option("queues", a->queues, "only these queues");
  on_run(verify, c, [&c, a] { return run_verify(c, *a, false); });
  auto* repair = app.add_subcommand(
      "repair", "move damaged records of a local bus aside so its queues take writes again");
  add_bus(repair, c);
  repair->add_option("queues", a->queues, "only these queues");
  on_run(repair, c, [&c, a] { return run_verify(c, *a, true); });
}

}  // namespace rstreams::cli
