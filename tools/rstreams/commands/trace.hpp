#pragma once
// `trace EID`: an event's lineage, back to its source and forward to what was derived from it.

#include "common.hpp"

#include <rstreams/bus/trace.hpp>

#include <iostream>
#include <memory>

namespace rstreams::cli {

inline int run_trace(context& c, const std::string& eid) {
  auto bus = open_existing_bus(c.bus, c.opt);
  if (!rb::is_full_eid(eid)) throw usage_error("malformed eid \"" + eid + "\" (trace needs a full eid)");
  const auto found = rb::find_event(bus, eid);
  if (!found) throw usage_error("no event " + eid + " in any queue of " + bus.describe());
  const auto l = rb::trace(bus, found->event, eid);
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
  auto* trace =
      app.add_subcommand("trace", "an event's lineage: back to its source, forward to what was derived");
  add_bus(trace, c);
  trace->add_option("eid", *eid, "the event's eid")->required();
  on_run(trace, c, [&c, eid] { return run_trace(c, *eid); });
}

}  // namespace rstreams::cli
