#pragma once
// `pause BOT` and `resume BOT`.

#include "common.hpp"

#include <rstreams/bus/bot.hpp>

#include <iostream>
#include <memory>

namespace rstreams::cli {

inline int run_pause(context& c, const std::string& bot, bool pause) {
  auto bus = open_existing_bus(c.bus, c.opt);
  require_bot(bus, bot);
  if (pause) {
    rb::pause_bot(bus, bot);
  } else {
    rb::resume_bot(bus, bot);
  }
  std::cout << bot << (pause ? " paused" : " resumed") << '\n';
  return 0;
}

/// `pause`, `resume`.
inline void add_pause(CLI::App& app, context& c) {
  auto bot = std::make_shared<std::string>();
  auto* pause = app.add_subcommand("pause", "pause a bot");
  add_bus(pause, c);
  pause->add_option("bot", *bot)->required();
  on_run(pause, c, [&c, bot] { return run_pause(c, *bot, true); });
  auto* resume = app.add_subcommand("resume", "resume a bot (clears its error count)");
  add_bus(resume, c);
  resume->add_option("bot", *bot)->required();
  on_run(resume, c, [&c, bot] { return run_pause(c, *bot, false); });
}

}  // namespace rstreams::cli
