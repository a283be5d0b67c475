#pragma once
// `metrics`: the Prometheus text exposition of every figure.

#include "common.hpp"

#include <rstreams/bus/prometheus.hpp>

#include <iostream>

namespace rstreams::cli {

inline void add_metrics(CLI::App& app, context& c) {
  auto* metrics = app.add_subcommand("metrics", "Prometheus text exposition of every figure");
  add_bus(metrics, c);
  on_run(metrics, c, [&c] {
    auto bus = open_existing_bus(c.bus, c.opt);
    std::cout << rb::to_prometheus(rb::stats(bus));
    return 0;
  });
}

}  // namespace rstreams::cli
