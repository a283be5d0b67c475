#pragma once
// `topology [--format dot|mermaid|svg]`: the graph of bots and queues with lag and rates; SVG
// in-process when built with Graphviz's library (the rstreams::graphviz part), else via `dot`.

#include "common.hpp"

#include <rstreams/bus/topology.hpp>
#include <rstreams/bus/topology_svg.hpp>

#include <iostream>
#include <memory>

#if defined(__SANITIZE_ADDRESS__)
// Graphviz lays text out through pango and fontconfig, which keep caches they never free:
// LeakSanitizer reports them at exit. Not rstreams' memory; suppressed for this program only.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig\nleak:libpango\nleak:libgvplugin_pango\n";
}
#endif

namespace rstreams::cli {

inline int run_topology(context& c, const std::string& format) {
  if (format != "dot" && format != "mermaid" && format != "svg")
    throw usage_error("unknown --format \"" + format + "\" (dot, mermaid or svg)");
  auto bus = open_existing_bus(c.bus, c.opt);
  const auto t = rb::topology_of(rb::stats(bus));
  if (format == "mermaid") {
    std::cout << rb::to_mermaid(t);
  } else if (format == "svg") {
    std::cout << rb::to_svg(t);
  } else {
    std::cout << rb::to_dot(t);
  }
  return 0;
}

inline void add_topology(CLI::App& app, context& c) {
  auto format = std::make_shared<std::string>("dot");
  auto* topology = app.add_subcommand("topology", "the graph of bots and queues with lag and rates");
  add_bus(topology, c);
  topology->add_option("--format", *format, "dot, mermaid or svg");
  on_run(topology, c, [&c, format] { return run_topology(c, *format); });
}

}  // namespace rstreams::cli
