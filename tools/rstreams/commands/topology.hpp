#pragma once
// `topology [--format dot|mermaid|svg]`: the graph of bots and queues with lag and rates.

#include "common.hpp"

#include <rstreams/bus/topology.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include <unistd.h>

namespace rstreams::cli {

/// SVG from DOT with Graphviz's `dot` program.
inline std::string dot_to_svg(const std::string& dot) {
  char path[] = "/tmp/rstreams-topology-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw rstreams::error("rstreams topology: cannot create a temporary file");
  const auto written = ::write(fd, dot.data(), dot.size());
  ::close(fd);
  std::string svg;
  int status = -1;
  if (written == static_cast<ssize_t>(dot.size())) {
    const std::string cmd = std::string("dot -Tsvg ") + path + " 2>&1";
    if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      std::size_t n = 0;
      while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) svg.append(buf, n);
      status = ::pclose(pipe);
    }
  }
  ::unlink(path);
  if (status != 0)
    throw rstreams::error(
        "rstreams topology: --format svg needs Graphviz's `dot` program (Debian: graphviz): " + svg);
  return svg;
}

inline int run_topology(context& c, const std::string& format) {
  if (format != "dot" && format != "mermaid" && format != "svg")
    throw usage_error("unknown --format \"" + format + "\" (dot, mermaid or svg)");
  auto bus = open_existing_bus(c.bus, c.opt);
  const auto t = rb::topology_of(rb::stats(bus));
  if (format == "mermaid") {
    std::cout << rb::to_mermaid(t);
  } else if (format == "svg") {
    std::cout << dot_to_svg(rb::to_dot(t));
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
