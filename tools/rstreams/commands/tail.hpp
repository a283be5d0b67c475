#pragma once
// `tail QUEUE [-f] [--from EID|TIME|-N] [--limit N] [--format pretty|json|payload]`.

#include "common.hpp"

#include <rstreams/bus/detail/last_events_start.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>

namespace rstreams::cli {

/// Where `tail --from` starts reading: after the returned position, skipping `skip` events.
inline std::string tail_start(rb::any_backend& bus, const std::string& queue, const std::string& from,
                              std::uint64_t& skip) {
  skip = 0;
  if (from.empty()) return {};
  if (from[0] == '-') {
    std::uint64_t n = 0;
    const auto r = std::from_chars(from.data() + 1, from.data() + from.size(), n);
    if (r.ec != std::errc() || r.ptr != from.data() + from.size() || n == 0)
      throw usage_error("malformed --from \"" + from +
                        "\" (give -N for the last N events, an eid or a time)");
    return rb::detail::last_events_start(bus, queue, n, skip);
  }
  return rb::previous(parse_position(from));
}

struct tail_args {
  std::string queue, from, format = "pretty";
  bool follow = false;
  std::int64_t limit = 0;
};

inline int run_tail(context& c, const tail_args& a) {
  if (a.format != "pretty" && a.format != "json" && a.format != "payload")
    throw usage_error("unknown --format \"" + a.format + "\" (pretty, json or payload)");
  if (a.limit < 0) throw usage_error("--limit must not be negative");
  auto bus = open_existing_bus(c.bus, c.opt);
  require_queue(bus, a.queue);
  std::uint64_t skip = 0;
  std::string after = tail_start(bus, a.queue, a.from, skip);
  if (a.follow) std::signal(SIGINT, on_interrupt);
  std::int64_t shown = 0;
  std::vector<rb::record> out;
  while (interrupted == 0 && (a.limit == 0 || shown < a.limit)) {
    out.clear();
    if (bus.read(a.queue, after, 1000, out) == 0) {
      if (!a.follow) break;
      bus.wait(a.queue, after, std::chrono::milliseconds(500));
      continue;
    }
    after = out.back().eid;
    for (const auto& r : out) {
      if (skip > 0) {
        --skip;
        continue;
      }
      if (a.limit != 0 && shown >= a.limit) break;
      ++shown;
      if (a.format == "payload") {
        std::cout << r.payload << '\n';
      } else if (a.format == "json") {
        std::cout << record_json(r).dump() << '\n';
      } else {
        std::cout << record_json(r).dump(2) << '\n';
      }
    }
    std::cout.flush();
  }
  return 0;
}

inline void add_tail(CLI::App& app, context& c) {
  auto a = std::make_shared<tail_args>();
  auto* tail = app.add_subcommand("tail", "print a queue's events");
  add_bus(tail, c);
  tail->add_option("queue", a->queue, "queue")->required();
  tail->add_flag("-f,--follow", a->follow, "keep printing new events");
  tail->add_option("--from", a->from, "start at an eid, a UTC time, or -N for the last N events");
  tail->add_option("--limit", a->limit, "print at most N events");
  tail->add_option("--format", a->format, "pretty, json or payload");
  on_run(tail, c, [&c, a] { return run_tail(c, *a); });
}

}  // namespace rstreams::cli
