#pragma once
// What every subcommand of the rstreams tool shares: the global options, how a subcommand
// hands main() the work to run, the bus argument, tables and the JSON shapes of records and lag.

#include "../bus_access.hpp"

#include <rstreams/bus/record.hpp>
#include <rstreams/bus/stats.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace rstreams::cli {

using json = nlohmann::json;

/// The global options and the work the chosen subcommand left for main() to run.
struct context {
  std::string bus;
  bool as_json = false;
  bus_options opt;
  std::function<int()> run;
};

/// Every subcommand's first argument.
inline void add_bus(CLI::App* cmd, context& c) {
  cmd->add_option("bus", c.bus, "bus directory, file://<dir> or nats://host:port")->required();
}

/// Registers `cmd` so that, when chosen, main() runs `work()`. `work` owns its arguments
/// (e.g. through a shared_ptr), which CLI11 filled while parsing.
template <class F>
void on_run(CLI::App* cmd, context& c, F work) {
  cmd->callback([&c, work] { c.run = work; });
}

/// Set by SIGINT during `lag --watch` and `tail -f`.
inline volatile std::sig_atomic_t interrupted = 0;
extern "C" inline void on_interrupt(int) {
  interrupted = 1;
}

/// Columns padded to their widest cell.
inline void print_table(std::ostream& os, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    os << line << '\n';
  }
}

inline json record_json(const rb::record& r) {
  json j{{"eid", r.eid},
         {"id", r.id},
         {"event", r.event},
         {"timestamp", r.timestamp},
         {"event_source_timestamp", r.event_source_timestamp}};
  if (r.correlation_id) j["correlation_id"] = *r.correlation_id;
  j["payload"] = json::parse(r.payload, nullptr, false);
  if (j["payload"].is_discarded()) j["payload"] = r.payload;
  return j;
}

}  // namespace rstreams::cli
