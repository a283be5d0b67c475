#pragma once
// `trace EID`: an event's lineage, back to its source and forward to what was derived from it.

#include "common.hpp"

#include <rstreams/bus/trace.hpp>

#include <iostream>
#include <memory>

namespace rstreams::cli {

// The queue holding `eid`: `queue` when given, else the one queue that has it (eids are numbered
// per queue, so two queues may each hold one: then the user must say which).
inline std::string trace_queue(rb::any_backend& bus, const std::string& eid, const std::string& queue) {
  if (!queue.empty()) {
    if (!rb::find_event(bus, queue, eid)) throw usage_error("no event " + eid + " in queue " + queue);
    return queue;
  }
  const auto found = rb::find_events(bus, eid);
  if (found.empty()) throw usage_error("no event " + eid + " in any queue of " + bus.describe());
  if (found.size() > 1) {
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : ", ") + f.queue;
    throw usage_error("event " + eid + " is in " + std::to_string(found.size()) + " queues (" + names +
                      "): say which with --queue");
  }
  return found.front().queue;
}

inline int run_trace(context& c, const std::string& eid, const std::string& queue) {
  auto bus = open_existing_bus(c.bus, c.opt);
  if (!rb::is_full_eid(eid)) throw usage_error("malformed eid \"" + eid + "\" (trace needs a full eid)");
  if (!queue.empty()) require_queue(bus, queue);
  const auto l = rb::trace(bus, trace_queue(bus, eid, queue), eid);
  if (c.as_json) {
    json back = json::array(), forward = json::array();
    for (const auto& a : l.ancestors) back.push_back({{"depth", a.depth}, {"event", record_json(a.event)}});
    for (const auto& d : l.descendants)
      forward.push_back({{"depth", d.depth}, {"event", record_json(d.event)}});
    std::cout << json{{"event", record_json(l.event)},
                      {"ancestors", back},
                      {"descendants", forward},
                      {"scanned", l.scanned},
                      {"truncated", l.truncated}}
                     .dump(2)
              << '\n';
    return 0;
  }
  for (auto it = l.ancestors.rbegin(); it != l.ancestors.rend(); ++it)
    std::cout << std::string(
                     static_cast<std::size_t>(l.ancestors.size() - static_cast<std::size_t>(it->depth)) * 2,
                     ' ')
              << it->event.event << "  " << it->event.eid << "  (by " << it->event.id << ")\n";
  const auto base = l.ancestors.size() * 2;
  std::cout << std::string(base, ' ') << l.event.event << "  " << l.event.eid << "  (by " << l.event.id
            << ")  <- traced\n";
  for (const auto& d : l.descendants)
    std::cout << std::string(base + static_cast<std::size_t>(d.depth) * 2, ' ') << d.event.event << "  "
              << d.event.eid << "  (by " << d.event.id << ")\n";
  if (l.truncated) std::cout << "(forward search stopped at its bound; " << l.scanned << " events read)\n";
  return 0;
}

inline void add_trace(CLI::App& app, context& c) {
  auto eid = std::make_shared<std::string>();
  auto queue = std::make_shared<std::string>();
  auto* trace =
      app.add_subcommand("trace", "an event's lineage: back to its source, forward to what was derived");
  add_bus(trace, c);
  trace->add_option("eid", *eid, "the event's eid")->required();
  trace->add_option("--queue", *queue, "the queue holding it (needed when several queues hold the eid)");
  on_run(trace, c, [&c, eid, queue] { return run_trace(c, *eid, *queue); });
}

}  // namespace rstreams::cli
