#pragma once
// `checkpoint get|set BOT QUEUE (EID|TIME|start|end)` and `replay BOT --from EID|TIME`: like
// Kafka's offset reset, a dry run that shows what would change unless `--execute`.

#include "common.hpp"

#include <rstreams/bus/bot_lag.hpp>
#include <rstreams/bus/stats_json.hpp>

#include <iostream>
#include <memory>
#include <optional>

namespace rstreams::cli {

/// Moving `bot`'s checkpoint on `queue` to `to` ("" = the start), as a plan to show or apply.
inline json plan_move(rb::any_backend& bus, const std::string& bot, const std::string& queue,
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

inline void apply_or_show(rb::any_backend& bus, const std::vector<json>& plans, bool execute, bool as_json) {
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

/// A checkpoint target: start, end, an eid/prefix or a time; never past the queue's end.
inline std::string checkpoint_target(rb::any_backend& bus, const std::string& queue, const std::string& to) {
  const auto info = require_queue(bus, queue);
  if (to == "start") return {};
  if (to == "end") return info.last_eid;
  auto pos = parse_position(to);
  if (!info.last_eid.empty() && pos > info.last_eid &&
      pos.compare(0, std::string::npos, info.last_eid, 0, pos.size()) != 0)
    throw usage_error("checkpoint " + to + " is past the end of queue " + queue + " (its last eid is " +
                      info.last_eid + "; use `end` to skip everything)");
  if (info.last_eid.empty() && !pos.empty())
    throw usage_error("checkpoint " + to + " is past the end of queue " + queue + " (it is empty)");
  return pos;
}

struct checkpoint_args {
  std::string bot, queue, to, from;
  bool execute = false;
};

inline int run_checkpoint_get(context& c, const checkpoint_args& a) {
  auto bus = open_existing_bus(c.bus, c.opt);
  require_bot(bus, a.bot);
  require_queue(bus, a.queue);
  const auto l = rb::lag(bus, a.bot, a.queue);
  if (c.as_json) {
    auto j = rb::bot_lag_json(l);
    if (l.checkpoint) j["checkpoint"] = *l.checkpoint;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << a.bot << " on " << a.queue << ": "
              << (l.checkpoint ? (l.checkpoint->eid.empty() ? "(start)" : l.checkpoint->eid) : "(none)")
              << ", lag " << l.lag_events << " events (" << short_duration(l.lag_ms) << ")\n";
  }
  return 0;
}

inline int run_checkpoint_set(context& c, const checkpoint_args& a) {
  auto bus = open_existing_bus(c.bus, c.opt);
  rb::validate_bot_name(a.bot);
  const auto target = checkpoint_target(bus, a.queue, a.to);
  apply_or_show(bus, {plan_move(bus, a.bot, a.queue, target)}, a.execute, c.as_json);
  return 0;
}

inline int run_replay(context& c, const checkpoint_args& a) {
  auto bus = open_existing_bus(c.bus, c.opt);
  const auto info = require_bot(bus, a.bot);
  const auto pos = parse_position(a.from);
  std::vector<std::string> queues;
  if (!a.queue.empty()) {
    require_queue(bus, a.queue);
    queues.push_back(a.queue);
  } else {
    for (const auto& [q, cp] : info.checkpoints) queues.push_back(q);
  }
  if (queues.empty()) throw usage_error("bot " + a.bot + " has no checkpoints; give --queue");
  std::vector<json> plans;
  for (const auto& q : queues) {
    const auto now = bus.get_checkpoint(a.bot, q);
    const auto to = rb::previous(pos);  // the next read starts at `from`
    if (now && !now->eid.empty() && to > now->eid)
      throw usage_error("replay from " + a.from + " is after " + a.bot + "'s checkpoint on " + q + " (" +
                        now->eid + "): a replay moves back; use `checkpoint set` to skip ahead");
    plans.push_back(plan_move(bus, a.bot, q, to));
  }
  apply_or_show(bus, plans, a.execute, c.as_json);
  return 0;
}

/// `checkpoint get`, `checkpoint set`, `replay`.
inline void add_checkpoint(CLI::App& app, context& c) {
  auto a = std::make_shared<checkpoint_args>();
  auto* checkpoint = app.add_subcommand("checkpoint", "read or move a bot's checkpoint");
  checkpoint->require_subcommand(1);
  auto* get = checkpoint->add_subcommand("get", "a bot's checkpoint and lag on a queue");
  add_bus(get, c);
  get->add_option("bot", a->bot)->required();
  get->add_option("queue", a->queue)->required();
  on_run(get, c, [&c, a] { return run_checkpoint_get(c, *a); });
  auto* set = checkpoint->add_subcommand("set", "move a checkpoint (dry run unless --execute)");
  add_bus(set, c);
  set->add_option("bot", a->bot)->required();
  set->add_option("queue", a->queue)->required();
  set->add_option("to", a->to, "start, end, an eid or prefix, or a UTC time")->required();
  set->add_flag("--execute", a->execute, "apply the change");
  on_run(set, c, [&c, a] { return run_checkpoint_set(c, *a); });

  auto* replay = app.add_subcommand("replay", "move a bot back to read again from an eid or time");
  add_bus(replay, c);
  replay->add_option("bot", a->bot)->required();
  replay->add_option("--from", a->from, "eid, prefix or UTC time to read again from")->required();
  replay->add_option("--queue", a->queue, "only this input queue");
  replay->add_flag("--execute", a->execute, "apply the change");
  on_run(replay, c, [&c, a] { return run_replay(c, *a); });
}

}  // namespace rstreams::cli
