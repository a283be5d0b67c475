// rstreams: watch and steer an event bus from a shell. See `rstreams --help` and the README's
// operations section.

#include "bus_access.hpp"
#include "commands/serve.hpp"

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/prometheus.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/topology.hpp>
#include <rstreams/bus/trace.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace rb = rstreams::bus;
using rstreams::cli::usage_error;
using json = nlohmann::json;

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) {
  interrupted = 1;
}

// Columns padded to their widest cell.
void print_table(std::ostream& os, const std::vector<std::vector<std::string>>& rows) {
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

json record_json(const rb::record& r) {
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

json queue_json(const rb::queue_stats& q) {
  return {{"queue", q.name},
          {"events", q.events},
          {"bytes", q.bytes},
          {"first_eid", q.first_eid},
          {"last_eid", q.last_eid},
          {"last_write_ms", q.last_write_ms},
          {"write_rate_per_s", q.write_rate}};
}

json lag_json(const rb::bot_lag& l) {
  return {{"bot", l.bot},
          {"queue", l.queue},
          {"checkpoint", l.checkpoint ? json(l.checkpoint->eid) : json(nullptr)},
          {"lag_events", l.lag_events},
          {"lag_ms", l.lag_ms},
          {"source_lag_ms", l.source_lag_ms}};
}

json bot_json(const rb::bot_report& b) {
  json inputs = json::array();
  for (const auto& l : b.inputs) inputs.push_back(lag_json(l));
  return {{"bot", b.id},
          {"paused", b.state.paused},
          {"consecutive_errors", b.state.consecutive_errors},
          {"last_error", b.state.last_error},
          {"lease_holder", b.lease ? json(b.lease->owner) : json(nullptr)},
          {"last_run_start", b.state.last_run_start},
          {"last_run_end", b.state.last_run_end},
          {"last_outcome", b.state.last_outcome},
          {"runs", b.state.runs},
          {"failed_runs", b.state.failed_runs},
          {"events_in", b.state.events_in},
          {"events_out", b.state.events_out},
          {"dead_letters", b.state.dead_letters},
          {"commits", b.state.commits},
          {"inputs", inputs}};
}

struct common {
  std::string bus;
  bool as_json = false;
  rstreams::cli::bus_options opt;
};

void add_bus(CLI::App* cmd, common& c) {
  cmd->add_option("bus", c.bus, "bus directory, file://<dir> or nats://host:port")->required();
}

int cmd_queues(common& c) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  const auto s = rb::stats(bus);
  if (c.as_json) {
    json out = json::array();
    for (const auto& q : s.queues) out.push_back(queue_json(q));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"QUEUE", "EVENTS", "BYTES", "LAST WRITE", "RATE/S", "LAST EID"}};
  for (const auto& q : s.queues) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.2f", q.write_rate);
    rows.push_back({q.name, std::to_string(q.events), std::to_string(q.bytes),
                    rstreams::cli::iso_time(q.last_write_ms), rate, q.last_eid.empty() ? "-" : q.last_eid});
  }
  print_table(std::cout, rows);
  return 0;
}

int cmd_bots(common& c) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  const auto s = rb::stats(bus);
  if (c.as_json) {
    json out = json::array();
    for (const auto& b : s.bots) out.push_back(bot_json(b));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"BOT", "STATUS", "LEASE", "RUNS", "IN", "OUT", "ERRORS", "LAST RUN", "OUTCOME"}};
  for (const auto& b : s.bots) {
    rows.push_back({b.id, b.state.paused ? "paused" : "active", b.lease ? b.lease->owner : "-",
                    std::to_string(b.state.runs) + "/" + std::to_string(b.state.runs + b.state.failed_runs),
                    std::to_string(b.state.events_in), std::to_string(b.state.events_out),
                    std::to_string(b.state.dead_letters), rstreams::cli::iso_time(b.state.last_run_end),
                    b.state.last_outcome.empty() ? "-" : b.state.last_outcome});
  }
  print_table(std::cout, rows);
  return 0;
}

int cmd_lag(common& c, bool watch, double every_s) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  if (watch) std::signal(SIGINT, on_interrupt);
  do {
    const auto s = rb::stats(bus);
    if (c.as_json) {
      json out = json::array();
      for (const auto& b : s.bots)
        for (const auto& l : b.inputs) out.push_back(lag_json(l));
      std::cout << (watch ? out.dump() : out.dump(2)) << '\n';
    } else {
      if (watch && tty)
        std::cout << "\x1b[H\x1b[2J" << rstreams::cli::iso_time(s.at_ms) << "  " << s.bus << "\n\n";
      std::vector<std::vector<std::string>> rows{
          {"BOT", "QUEUE", "CHECKPOINT", "LAG EVENTS", "READ LAG", "SOURCE LAG", "STATUS"}};
      for (const auto& b : s.bots)
        for (const auto& l : b.inputs)
          rows.push_back({b.id, l.queue,
                          l.checkpoint && !l.checkpoint->eid.empty() ? l.checkpoint->eid : "(start)",
                          std::to_string(l.lag_events), rstreams::cli::short_duration(l.lag_ms),
                          l.source_lag_ms > 0 ? rstreams::cli::short_duration(l.source_lag_ms) : "-",
                          b.state.paused ? "paused" : "active"});
      print_table(std::cout, rows);
    }
    std::cout.flush();
    if (!watch) break;
    for (int i = 0; i < static_cast<int>(every_s * 10) && interrupted == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (interrupted == 0);
  return 0;
}

// Where `tail --from` starts reading: after the returned position.
std::string tail_start(rb::any_backend& bus, const std::string& queue, const std::string& from,
                       std::uint64_t& skip) {
  skip = 0;
  if (from.empty()) return {};
  if (from[0] == '-') {
    std::uint64_t n = 0;
    const auto r = std::from_chars(from.data() + 1, from.data() + from.size(), n);
    if (r.ec != std::errc() || r.ptr != from.data() + from.size() || n == 0)
      throw usage_error("malformed --from \"" + from +
                        "\" (give -N for the last N events, an eid or a time)");
    const auto q = bus.queue_stats(queue);
    if (q.events <= n) return {};
    // The latest ms t with at least n events at or after it (binary search over positions),
    // then skip the surplus of that one ms.
    const auto at_or_after = [&](std::int64_t t) {
      return q.head_position - bus.position(queue, rb::previous(rb::make_eid(t)));
    };
    std::int64_t lo = rb::eid_to_ms(q.first_eid), hi = q.last_write_ms;
    while (lo < hi) {
      const auto mid = lo + (hi - lo + 1) / 2;
      if (at_or_after(mid) >= n) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    skip = at_or_after(lo) - n;
    return rb::previous(rb::make_eid(lo));
  }
  return rb::previous(rstreams::cli::parse_position(from));
}

int cmd_tail(common& c, const std::string& queue, bool follow, const std::string& from, std::int64_t limit,
             const std::string& format) {
  if (format != "pretty" && format != "json" && format != "payload")
    throw usage_error("unknown --format \"" + format + "\" (pretty, json or payload)");
  if (limit < 0) throw usage_error("--limit must not be negative");
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  rstreams::cli::require_queue(bus, queue);
  std::uint64_t skip = 0;
  std::string after = tail_start(bus, queue, from, skip);
  if (follow) std::signal(SIGINT, on_interrupt);
  std::int64_t shown = 0;
  std::vector<rb::record> out;
  while (interrupted == 0 && (limit == 0 || shown < limit)) {
    out.clear();
    if (bus.read(queue, after, 1000, out) == 0) {
      if (!follow) break;
      bus.wait(queue, after, std::chrono::milliseconds(500));
      continue;
    }
    after = out.back().eid;
    for (const auto& r : out) {
      if (skip > 0) {
        --skip;
        continue;
      }
      if (limit != 0 && shown >= limit) break;
      ++shown;
      if (format == "payload") {
        std::cout << r.payload << '\n';
      } else if (format == "json") {
        std::cout << record_json(r).dump() << '\n';
      } else {
        std::cout << record_json(r).dump(2) << '\n';
      }
    }
    std::cout.flush();
  }
  return 0;
}

int cmd_put(common& c, const std::string& queue, const std::vector<std::string>& payloads,
            const std::string& id, bool create) {
  rb::validate_queue_name(queue);
  rb::validate_bot_name(id);
  std::vector<json> items;
  const auto add = [&](const std::string& text, const std::string& where) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw usage_error("malformed JSON " + where + ": " + text);
    items.push_back(std::move(j));
  };
  if (!payloads.empty()) {
    for (std::size_t i = 0; i < payloads.size(); ++i)
      add(payloads[i], "in argument " + std::to_string(i + 1));
  } else {
    std::string line;
    for (std::size_t n = 1; std::getline(std::cin, line); ++n)
      if (line.find_first_not_of(" \t\r") != std::string::npos)
        add(line, "on input line " + std::to_string(n));
  }
  auto bus = create && c.bus.find("://") == std::string::npos
                 ? rb::any_backend(rb::local_backend(c.bus))
                 : rstreams::cli::open_existing_bus(c.bus, c.opt);
  const auto eids = rb::put_events(bus, id, queue, items);
  if (c.as_json) {
    std::cout << json(eids).dump() << '\n';
  } else {
    for (const auto& e : eids) std::cout << e << '\n';
  }
  return 0;
}

// Moves `bot`'s checkpoint on `queue` to `to` ("" = the start), or shows what would change.
json plan_move(rb::any_backend& bus, const std::string& bot, const std::string& queue,
               const std::string& to) {
  const auto q = bus.queue_stats(queue);
  const auto now = bus.get_checkpoint(bot, queue);
  const auto head = q.head_position;
  const auto lag_at = [&](const std::string& at) {
    const auto p = at.empty() ? q.first_position : std::max(bus.position(queue, at), q.first_position);
    return head > p ? head - p : 0;
  };
  return {{"bot", bot},
          {"queue", queue},
          {"from", now ? json(now->eid) : json(nullptr)},
          {"to", to},
          {"lag_before", lag_at(now ? now->eid : std::string())},
          {"lag_after", lag_at(to)}};
}

void apply_or_show(rb::any_backend& bus, const std::vector<json>& plans, bool execute, bool as_json) {
  for (const auto& p : plans) {
    if (execute) {
      const auto bot = p["bot"].get<std::string>();
      const auto queue = p["queue"].get<std::string>();
      auto cp = bus.get_checkpoint(bot, queue).value_or(rb::checkpoint{});
      const std::optional<std::string> expected =
          p["from"].is_null() ? std::nullopt : std::optional<std::string>(p["from"].get<std::string>());
      cp.eid = p["to"].get<std::string>();
      cp.updated_at = rb::detail::wall_clock_ms();
      bus.commit_checkpoint(bot, queue, expected, cp);
    }
  }
  if (as_json) {
    std::cout << json{{"executed", execute}, {"changes", plans}}.dump(2) << '\n';
    return;
  }
  for (const auto& p : plans) {
    const auto show = [](const json& e) {
      return e.is_null()                    ? std::string("(none)")
             : e.get<std::string>().empty() ? "(start)"
                                            : e.get<std::string>();
    };
    std::cout << (execute ? "moved " : "would move ") << p["bot"].get<std::string>() << " on "
              << p["queue"].get<std::string>() << ": " << show(p["from"]) << " -> " << show(p["to"])
              << " (lag " << p["lag_before"].get<std::uint64_t>() << " -> "
              << p["lag_after"].get<std::uint64_t>() << " events)\n";
  }
  if (!execute) std::cout << "dry run: nothing changed; add --execute to apply\n";
}

// A checkpoint target: start, end, an eid/prefix or a time; never past the queue's end.
std::string checkpoint_target(rb::any_backend& bus, const std::string& queue, const std::string& to) {
  const auto info = rstreams::cli::require_queue(bus, queue);
  if (to == "start") return {};
  if (to == "end") return info.last_eid;
  auto pos = rstreams::cli::parse_position(to);
  if (!info.last_eid.empty() && pos > info.last_eid &&
      pos.compare(0, std::string::npos, info.last_eid, 0, pos.size()) != 0)
    throw usage_error("checkpoint " + to + " is past the end of queue " + queue + " (its last eid is " +
                      info.last_eid + "; use `end` to skip everything)");
  if (info.last_eid.empty() && !pos.empty())
    throw usage_error("checkpoint " + to + " is past the end of queue " + queue + " (it is empty)");
  return pos;
}

int cmd_checkpoint_get(common& c, const std::string& bot, const std::string& queue) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  rstreams::cli::require_bot(bus, bot);
  rstreams::cli::require_queue(bus, queue);
  const auto l = rb::lag(bus, bot, queue);
  if (c.as_json) {
    auto j = lag_json(l);
    if (l.checkpoint) j["checkpoint"] = *l.checkpoint;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << bot << " on " << queue << ": "
              << (l.checkpoint ? (l.checkpoint->eid.empty() ? "(start)" : l.checkpoint->eid) : "(none)")
              << ", lag " << l.lag_events << " events (" << rstreams::cli::short_duration(l.lag_ms) << ")\n";
  }
  return 0;
}

int cmd_checkpoint_set(common& c, const std::string& bot, const std::string& queue, const std::string& to,
                       bool execute) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  rb::validate_bot_name(bot);
  const auto target = checkpoint_target(bus, queue, to);
  apply_or_show(bus, {plan_move(bus, bot, queue, target)}, execute, c.as_json);
  return 0;
}

int cmd_replay(common& c, const std::string& bot, const std::string& from, const std::string& queue,
               bool execute) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  const auto info = rstreams::cli::require_bot(bus, bot);
  const auto pos = rstreams::cli::parse_position(from);
  std::vector<std::string> queues;
  if (!queue.empty()) {
    rstreams::cli::require_queue(bus, queue);
    queues.push_back(queue);
  } else {
    for (const auto& [q, cp] : info.checkpoints) queues.push_back(q);
  }
  if (queues.empty()) throw usage_error("bot " + bot + " has no checkpoints; give --queue");
  std::vector<json> plans;
  for (const auto& q : queues) {
    const auto now = bus.get_checkpoint(bot, q);
    const auto to = rb::previous(pos);  // the next read starts at `from`
    if (now && !now->eid.empty() && to > now->eid)
      throw usage_error("replay from " + from + " is after " + bot + "'s checkpoint on " + q + " (" +
                        now->eid + "): a replay moves back; use `checkpoint set` to skip ahead");
    plans.push_back(plan_move(bus, bot, q, to));
  }
  apply_or_show(bus, plans, execute, c.as_json);
  return 0;
}

int cmd_pause(common& c, const std::string& bot, bool pause) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  rstreams::cli::require_bot(bus, bot);
  if (pause) {
    rb::pause_bot(bus, bot);
  } else {
    rb::resume_bot(bus, bot);
  }
  std::cout << bot << (pause ? " paused" : " resumed") << '\n';
  return 0;
}

// SVG from DOT with Graphviz's `dot` program.
std::string dot_to_svg(const std::string& dot) {
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

int cmd_topology(common& c, const std::string& format) {
  if (format != "dot" && format != "mermaid" && format != "svg")
    throw usage_error("unknown --format \"" + format + "\" (dot, mermaid or svg)");
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
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

int cmd_trace(common& c, const std::string& eid) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
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

int cmd_metrics(common& c) {
  auto bus = rstreams::cli::open_existing_bus(c.bus, c.opt);
  std::cout << rb::to_prometheus(rb::stats(bus));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rstreams: watch and steer an rstreams event bus"};
  app.require_subcommand(1);
  common c;
  app.add_flag("--json", c.as_json, "machine-readable output");
  app.add_option("--nats-prefix", c.opt.nats_prefix, "name prefix of a NATS bus's streams and buckets");
  std::function<int()> run;

  auto* queues = app.add_subcommand("queues", "list queues: events, bytes, last write, rate");
  add_bus(queues, c);
  queues->callback([&] { run = [&] { return cmd_queues(c); }; });

  auto* bots = app.add_subcommand("bots", "list bots: status, lease, runs, events in/out/errors");
  add_bus(bots, c);
  bots->callback([&] { run = [&] { return cmd_bots(c); }; });

  bool watch = false;
  double every = 2.0;
  auto* lag = app.add_subcommand("lag", "every bot's lag per input queue");
  add_bus(lag, c);
  lag->add_flag("--watch,-w", watch, "refresh until interrupted");
  lag->add_option("--interval", every, "seconds between refreshes with --watch")->check(CLI::PositiveNumber);
  lag->callback([&] { run = [&] { return cmd_lag(c, watch, every); }; });

  std::string queue, from, format = "pretty", id = "rstreams-cli", bot, to;
  bool follow = false, execute = false;
  std::int64_t limit = 0;
  auto* tail = app.add_subcommand("tail", "print a queue's events");
  add_bus(tail, c);
  tail->add_option("queue", queue, "queue")->required();
  tail->add_flag("-f,--follow", follow, "keep printing new events");
  tail->add_option("--from", from, "start at an eid, a UTC time, or -N for the last N events");
  tail->add_option("--limit", limit, "print at most N events");
  tail->add_option("--format", format, "pretty, json or payload");
  tail->callback([&] { run = [&] { return cmd_tail(c, queue, follow, from, limit, format); }; });

  std::vector<std::string> payloads;
  auto* put = app.add_subcommand("put", "write events (JSON arguments, or JSON lines from stdin)");
  add_bus(put, c);
  put->add_option("queue", queue, "queue")->required();
  put->add_option("json", payloads, "payloads");
  bool create = false;
  put->add_option("--id", id, "the writer's id recorded in each event");
  put->add_flag("--create", create, "create a local bus in a new or empty directory");
  put->callback([&] { run = [&] { return cmd_put(c, queue, payloads, id, create); }; });

  auto* checkpoint = app.add_subcommand("checkpoint", "read or move a bot's checkpoint");
  checkpoint->require_subcommand(1);
  auto* cp_get = checkpoint->add_subcommand("get", "a bot's checkpoint and lag on a queue");
  add_bus(cp_get, c);
  cp_get->add_option("bot", bot)->required();
  cp_get->add_option("queue", queue)->required();
  cp_get->callback([&] { run = [&] { return cmd_checkpoint_get(c, bot, queue); }; });
  auto* cp_set = checkpoint->add_subcommand("set", "move a checkpoint (dry run unless --execute)");
  add_bus(cp_set, c);
  cp_set->add_option("bot", bot)->required();
  cp_set->add_option("queue", queue)->required();
  cp_set->add_option("to", to, "start, end, an eid or prefix, or a UTC time")->required();
  cp_set->add_flag("--execute", execute, "apply the change");
  cp_set->callback([&] { run = [&] { return cmd_checkpoint_set(c, bot, queue, to, execute); }; });

  auto* pause = app.add_subcommand("pause", "pause a bot");
  add_bus(pause, c);
  pause->add_option("bot", bot)->required();
  pause->callback([&] { run = [&] { return cmd_pause(c, bot, true); }; });
  auto* resume = app.add_subcommand("resume", "resume a bot (clears its error count)");
  add_bus(resume, c);
  resume->add_option("bot", bot)->required();
  resume->callback([&] { run = [&] { return cmd_pause(c, bot, false); }; });

  auto* replay = app.add_subcommand("replay", "move a bot back to read again from an eid or time");
  add_bus(replay, c);
  replay->add_option("bot", bot)->required();
  replay->add_option("--from", from, "eid, prefix or UTC time to read again from")->required();
  replay->add_option("--queue", queue, "only this input queue");
  replay->add_flag("--execute", execute, "apply the change");
  replay->callback([&] { run = [&] { return cmd_replay(c, bot, from, queue, execute); }; });

  std::string trace_eid;
  auto* trace =
      app.add_subcommand("trace", "an event's lineage: back to its source, forward to what was derived");
  add_bus(trace, c);
  trace->add_option("eid", trace_eid, "the event's eid")->required();
  trace->callback([&] { run = [&] { return cmd_trace(c, trace_eid); }; });

  std::string topo_format = "dot";
  auto* topology = app.add_subcommand("topology", "the graph of bots and queues with lag and rates");
  add_bus(topology, c);
  topology->add_option("--format", topo_format, "dot, mermaid or svg");
  topology->callback([&] { run = [&] { return cmd_topology(c, topo_format); }; });

  auto* metrics = app.add_subcommand("metrics", "Prometheus text exposition of every figure");
  add_bus(metrics, c);
  metrics->callback([&] { run = [&] { return cmd_metrics(c); }; });

  rstreams::cli::add_serve_command(app, c.opt, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << "rstreams: " << e.what() << '\n';
    return 1;
  }
}
