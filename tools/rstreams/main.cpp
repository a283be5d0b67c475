// rstreams: watch and steer an event bus from a shell. See `rstreams --help` and the README's
// operations section. Each group of subcommands lives in commands/<group>.hpp with an
// add_<group>(app, context) that declares it; this file only wires them.

#include "commands/checkpoint.hpp"
#include "commands/common.hpp"
#include "commands/metrics.hpp"
#include "commands/pause.hpp"
#include "commands/put.hpp"
#include "commands/serve.hpp"
#include "commands/status.hpp"
#include "commands/tail.hpp"
#include "commands/topology.hpp"
#include "commands/trace.hpp"
#include "commands/transfer.hpp"
#include "commands/verify.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  namespace cli = rstreams::cli;
  CLI::App app{"rstreams: watch and steer an rstreams event bus"};
  app.require_subcommand(1);
  cli::context c;
  app.add_flag("--json", c.as_json, "machine-readable output");
  app.add_option("--nats-prefix", c.opt.nats_prefix, "name prefix of a NATS bus's streams and buckets");

  cli::add_status(app, c);      // queues, bots, lag
  cli::add_tail(app, c);        // tail
  cli::add_put(app, c);         // put
  cli::add_checkpoint(app, c);  // checkpoint get|set, replay
  cli::add_pause(app, c);       // pause, resume
  cli::add_trace(app, c);       // trace
  cli::add_topology(app, c);    // topology
  cli::add_metrics(app, c);     // metrics
  cli::add_transfer(app, c);    // import, export
  cli::add_verify(app, c);      // verify, repair
  cli::add_serve(app, c);       // serve (the dashboard)

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return c.run();
  } catch (const std::exception& e) {
    // Library errors already start with "rstreams: ".
    const std::string_view what = e.what();
    std::cerr << (what.rfind("rstreams: ", 0) == 0 ? "" : "rstreams: ") << what << '\n';
    return 1;
  }
}
