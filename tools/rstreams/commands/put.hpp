#pragma once
// `put QUEUE [JSON...]`: JSON arguments, or JSON lines from standard input.

#include "common.hpp"

#include <rstreams/bus/put.hpp>

#include <iostream>
#include <memory>

namespace rstreams::cli {

struct put_args {
  std::string queue, id = "rstreams-cli";
  std::vector<std::string> payloads;
  bool create = false;
};

inline int run_put(context& c, const put_args& a) {
  rb::validate_queue_name(a.queue);
  rb::validate_bot_name(a.id);
  std::vector<json> items;
  const auto add = [&](const std::string& text, const std::string& where) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw usage_error("malformed JSON " + where + ": " + text);
    items.push_back(std::move(j));
  };
  if (!a.payloads.empty()) {
    for (std::size_t i = 0; i < a.payloads.size(); ++i)
      add(a.payloads[i], "in argument " + std::to_string(i + 1));
  } else {
    std::string line;
    for (std::size_t n = 1; std::getline(std::cin, line); ++n)
      if (line.find_first_not_of(" \t\r") != std::string::npos)
        add(line, "on input line " + std::to_string(n));
  }
  auto bus = a.create && c.bus.find("://") == std::string::npos ? rb::any_backend(rb::local_backend(c.bus))
                                                                : open_existing_bus(c.bus, c.opt);
  const auto eids = rb::put_events(bus, a.id, a.queue, items);
  if (c.as_json) {
    std::cout << json(eids).dump() << '\n';
  } else {
    for (const auto& e : eids) std::cout << e << '\n';
  }
  return 0;
}

inline void add_put(CLI::App& app, context& c) {
  auto a = std::make_shared<put_args>();
  auto* put = app.add_subcommand("put", "write events (JSON arguments, or JSON lines from stdin)");
  add_bus(put, c);
  put->add_option("queue", a->queue, "queue")->required();
  put->add_option("json", a->payloads, "payloads");
  put->add_option("--id", a->id, "the writer's id recorded in each event");
  put->add_flag("--create", a->create, "create a local bus in a new or empty directory");
  on_run(put, c, [&c, a] { return run_put(c, *a); });
}

}  // namespace rstreams::cli
