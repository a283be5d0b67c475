#pragma once
// The dashboard's JSON API, without HTTP: each method answers one route of the server (and can
// be called by any other front end). Bus calls are serialised by one mutex; bad input throws
// api_error with its HTTP status and changes nothing.

#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/detail/last_events_start.hpp>
#include <rstreams/bus/detail/utc_time.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/prometheus.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/trace.hpp>
#include <rstreams/dashboard/api_error.hpp>
#include <rstreams/dashboard/checkpoint_moves.hpp>
#include <rstreams/dashboard/dashboard_options.hpp>
#include <rstreams/dashboard/json_views.hpp>
#include <rstreams/dashboard/sampled_history.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::dashboard {

/// Where a page of a queue's events starts: `after` an eid (strictly after; for following),
/// `from` an eid, prefix or UTC time (at or after), else the last `limit` events.
struct event_query {
  std::string after{};
  std::string from{};
  std::size_t limit = 50;
};

template <class B>
requires bus::backend<B> && bus::reports_stats<B>
class dashboard_api {
 public:
  dashboard_api(B& bus, dashboard_options opt)
      : bus_(bus), opt_(std::move(opt)), history_(opt_.history_capacity()) {}

  [[nodiscard]] const dashboard_options& options() const noexcept { return opt_; }
  [[nodiscard]] const sampled_history& history() const noexcept { return history_; }

  /// GET /api/info: the bus, whether actions are allowed, the sampling.
  nlohmann::json info() {
    std::lock_guard lock(mu_);
    return {{"bus", bus_.describe()},
            {"read_only", opt_.read_only},
            {"sample_interval_ms", opt_.sample_interval.count()},
            {"history_samples", opt_.history_capacity()},
            {"max_events_per_page", opt_.max_events_per_page}};
  }

  /// One sample: records lag and rates in the history and returns the live update (the graph,
  /// every bot and queue).
  nlohmann::json sample() {
    const auto s = stats();
    history_.record(s);
    return overview(s);
  }

  /// GET /api/overview: what the live update holds, now.
  nlohmann::json overview() { return overview(stats()); }

  /// GET /api/graph
  nlohmann::json graph() { return graph_view(stats(), history_); }

  /// GET /api/bots
  nlohmann::json bots() {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : stats().bots) out.push_back(bot_view(b, history_));
    return out;
  }

  /// GET /api/bots/BOT: the bot, its lag history per input and the last runs seen.
  nlohmann::json bot(std::string_view id) {
    check_name("bot", id);
    const auto s = stats();
    for (const auto& b : s.bots) {
      if (b.id != id) continue;
      nlohmann::json j = bot_view(b, history_);
      for (auto& in : j["inputs"]) {
        nlohmann::json h = nlohmann::json::array();
        for (const auto& x : history_.lag(b.id, in["queue"].get<std::string>()))
          h.push_back(nlohmann::json::array({x.at_ms, x.lag_events, x.lag_ms, x.source_lag_ms, x.read_rate}));
        in["history"] = std::move(h);
      }
      nlohmann::json runs = nlohmann::json::array();
      for (const auto& r : history_.runs(b.id))
        runs.push_back({{"start_ms", r.start_ms},
                        {"end_ms", r.end_ms},
                        {"outcome", r.outcome},
                        {"error", r.error},
                        {"events_in", r.events_in},
                        {"events_out", r.events_out}});
      j["recent_runs"] = std::move(runs);
      j["history_columns"] =
          nlohmann::json::array({"at_ms", "lag_events", "lag_ms", "source_lag_ms", "read_rate_per_s"});
      return j;
    }
    throw api_error(404, "unknown bot \"" + std::string(id) + "\"");
  }

  /// GET /api/queues
  nlohmann::json queues() {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& q : stats().queues) out.push_back(queue_view(q, history_));
    return out;
  }

  /// GET /api/queues/Q: the queue, its rate history and the bots reading it.
  nlohmann::json queue(std::string_view name) {
    check_name("queue", name);
    const auto s = stats();
    for (const auto& q : s.queues) {
      if (q.name != name) continue;
      nlohmann::json j = queue_view(q, history_);
      nlohmann::json h = nlohmann::json::array();
      for (const auto& x : history_.rates(name))
        h.push_back(nlohmann::json::array({x.at_ms, x.head, x.rate}));
      j["history"] = std::move(h);
      j["history_columns"] = nlohmann::json::array({"at_ms", "head_position", "rate_per_s"});
      nlohmann::json readers = nlohmann::json::array();
      for (const auto& b : s.bots)
        for (const auto& l : b.inputs)
          if (l.queue == name) readers.push_back(lag_view(l, history_));
      j["readers"] = std::move(readers);
      return j;
    }
    throw api_error(404, "unknown queue \"" + std::string(name) + "\"");
  }

  /// GET /api/queues/Q/events?after=EID | from=EID-or-TIME | (the last) &limit=N
  nlohmann::json events(std::string_view queue, const event_query& q) {
    check_name("queue", queue);
    if (q.limit == 0 || q.limit > opt_.max_events_per_page)
      throw api_error(400, "limit must be between 1 and " + std::to_string(opt_.max_events_per_page));
    if (!q.after.empty() && !q.from.empty()) throw api_error(400, "give either after or from, not both");
    std::string after;
    if (!q.after.empty()) after = position(q.after, "after");
    if (!q.from.empty()) after = bus::previous(position(q.from, "from"));
    std::lock_guard lock(mu_);
    require_queue(queue);
    std::uint64_t skip = 0;
    if (q.after.empty() && q.from.empty()) after = bus::detail::last_events_start(bus_, queue, q.limit, skip);
    std::vector<bus::record> got;
    nlohmann::json events = nlohmann::json::array();
    std::string cursor = after, last_shown = after;
    while (events.size() < q.limit) {
      got.clear();
      const auto want = q.limit - events.size() + skip;
      if (bus_.read(queue, cursor, std::min<std::uint64_t>(want, 1000), got) == 0) break;
      cursor = got.back().eid;
      for (const auto& r : got) {
        if (skip > 0) {
          --skip;
          continue;
        }
        if (events.size() == q.limit) break;
        events.push_back(record_view(r, std::string(queue)));
        last_shown = r.eid;
      }
    }
    const auto qs = bus_.queue_stats(queue);
    return {{"queue", queue},
            {"events", std::move(events)},
            {"next_after", last_shown},
            {"last_eid", qs.last_eid}};
  }

  /// GET /api/trace?eid=EID[&queue=Q]: the lineage of an event, back and forward. Eids are
  /// numbered per queue, so two queues may hold the same one: without `queue`, the first queue
  /// (by name) that has it, and `also_in` names the others.
  nlohmann::json trace(std::string_view eid, std::string_view queue = {}) {
    if (!bus::is_full_eid(eid))
      throw api_error(400, "malformed eid \"" + printable(eid) +
                               "\" (a trace needs a full eid like z/2026/12/05/15/00/1765000000000-0000000)");
    if (!queue.empty()) check_name("queue", queue);
    std::lock_guard lock(mu_);
    std::vector<std::string> holders;
    if (!queue.empty()) {
      auto name = require_queue(queue).name;
      if (bus::find_event(bus_, name, eid)) holders.push_back(std::move(name));
    } else {
      for (auto& f : bus::find_events(bus_, eid)) holders.push_back(std::move(f.queue));
    }
    if (holders.empty())
      throw api_error(404, "no event " + std::string(eid) +
                               (queue.empty() ? " in any queue" : " in queue " + std::string(queue)));
    const auto& name = holders.front();
    const auto l = bus::trace(bus_, name, eid, opt_.trace);
    nlohmann::json back = nlohmann::json::array(), forward = nlohmann::json::array();
    for (const auto& a : l.ancestors) back.push_back({{"depth", a.depth}, {"event", record_view(a.event)}});
    for (const auto& d : l.descendants)
      forward.push_back({{"depth", d.depth}, {"event", record_view(d.event)}});
    return {{"queue", name},
            {"also_in", std::vector<std::string>(holders.begin() + 1, holders.end())},
            {"event", record_view(l.event, name)},
            {"ancestors", std::move(back)},
            {"descendants", std::move(forward)},
            {"scanned", l.scanned},
            {"truncated", l.truncated}};
  }

  /// POST /api/bots/BOT/pause and /resume
  nlohmann::json pause(std::string_view id, bool paused) {
    check_name("bot", id);
    {
      std::lock_guard lock(mu_);
      require_bot(id);
      if (paused) {
        bus::pause_bot(bus_, id);
      } else {
        bus::resume_bot(bus_, id);
      }
    }
    return bot(id);
  }

  /// POST /api/bots/BOT/replay {"from": EID-or-TIME, "queue": optional, "execute": false,
  /// "expect": the dry run's changes}: moves the bot back so its next read starts at `from`.
  nlohmann::json replay(std::string_view bot, const nlohmann::json& body) {
    check_name("bot", bot);
    const auto from = string_field(body, "from", true);
    const auto queue = string_field(body, "queue", false);
    const auto execute = bool_field(body, "execute");
    const auto pos = position(from, "from");
    std::lock_guard lock(mu_);
    const auto checkpoints = require_bot(bot);
    std::vector<std::string> queues;
    if (!queue.empty()) {
      check_name("queue", queue);
      require_queue(queue);
      queues.push_back(queue);
    } else {
      queues = checkpoints;
    }
    if (queues.empty()) throw api_error(400, "bot " + std::string(bot) + " has no checkpoints; give a queue");
    std::vector<checkpoint_move> moves;
    for (const auto& q : queues) {
      auto m = plan_checkpoint_move(bus_, std::string(bot), q, bus::previous(pos));
      if (m.had_checkpoint && !m.from.empty() && m.to > m.from)
        throw api_error(400, "replay from " + from + " is after " + std::string(bot) + "'s checkpoint on " +
                                 q + " (" + m.from + "): a replay moves back");
      moves.push_back(std::move(m));
    }
    return run_moves(moves, execute, body);
  }

  /// POST /api/bots/BOT/checkpoints/QUEUE {"to": start|end|EID|TIME, "execute", "expect"}
  nlohmann::json move_checkpoint(std::string_view bot, std::string_view queue, const nlohmann::json& body) {
    check_name("bot", bot);
    check_name("queue", queue);
    const auto to = string_field(body, "to", true);
    const auto execute = bool_field(body, "execute");
    std::string target;
    if (to != "start" && to != "end") target = position(to, "to");
    std::lock_guard lock(mu_);
    const auto info = require_queue(queue);
    if (to == "end") target = info.last_eid;
    const bool prefix_of_last = info.last_eid.compare(0, target.size(), target) == 0;
    if (!target.empty() && (info.last_eid.empty() || (target > info.last_eid && !prefix_of_last)))
      throw api_error(
          400, "checkpoint " + to + " is past the end of queue " + std::string(queue) +
                   (info.last_eid.empty() ? " (it is empty)" : " (its last eid is " + info.last_eid + ")"));
    std::vector<checkpoint_move> moves{
        plan_checkpoint_move(bus_, std::string(bot), std::string(queue), target)};
    return run_moves(moves, execute, body);
  }

  /// GET /metrics: the Prometheus text exposition.
  std::string metrics() { return bus::to_prometheus(stats()); }

 private:
  bus::bus_stats stats() {
    std::lock_guard lock(mu_);
    return bus::stats(bus_);
  }

  nlohmann::json overview(const bus::bus_stats& s) {
    nlohmann::json bots = nlohmann::json::array(), queues = nlohmann::json::array();
    for (const auto& b : s.bots) bots.push_back(bot_view(b, history_));
    for (const auto& q : s.queues) queues.push_back(queue_view(q, history_));
    return {{"at_ms", s.at_ms},
            {"bus", s.bus},
            {"graph", graph_view(s, history_)},
            {"bots", std::move(bots)},
            {"queues", std::move(queues)}};
  }

  nlohmann::json run_moves(const std::vector<checkpoint_move>& moves, bool execute,
                           const nlohmann::json& body) {
    if (execute) {
      if (opt_.read_only) throw api_error(403, "this dashboard is read-only");
      apply_checkpoint_moves(bus_, moves, body.contains("expect") ? body.at("expect") : nlohmann::json());
    }
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& m : moves) changes.push_back(to_json_view(m));
    return {{"executed", execute}, {"changes", std::move(changes)}};
  }

  static std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 120)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    return text.size() > 120 ? out + "..." : out;
  }

  static void check_name(const char* what, std::string_view name) {
    try {
      bus::detail::validate_name(what, name);
    } catch (const rstreams::error& e) {
      throw api_error(400, e.what());
    }
  }

  // An eid, eid prefix or UTC time typed by a user, as a read position.
  static std::string position(std::string_view text, const char* field) {
    if (text.rfind("z/", 0) == 0 || text == "z") {
      try {
        bus::validate_position(text);
      } catch (const rstreams::error& e) {
        throw api_error(400, std::string("malformed eid in ") + field + ": " + e.what());
      }
      return std::string(text);
    }
    if (const auto ms = bus::detail::parse_utc_time(text)) return bus::make_eid(*ms);
    throw api_error(400, std::string("malformed ") + field + " \"" + printable(text) +
                             "\": give an eid like z/2026/12/05/15/00/1765000000000-0000000, a prefix like "
                             "z/2026/12/05/, or a UTC time like 2026-12-05T15:00:00Z");
  }

  static std::string string_field(const nlohmann::json& body, const char* name, bool required) {
    if (!body.is_object()) throw api_error(400, "the request body must be a JSON object");
    if (!body.contains(name)) {
      if (required) throw api_error(400, std::string("the request body needs \"") + name + "\"");
      return {};
    }
    if (!body.at(name).is_string()) throw api_error(400, std::string("\"") + name + "\" must be a string");
    return body.at(name).get<std::string>();
  }

  static bool bool_field(const nlohmann::json& body, const char* name) {
    if (!body.is_object() || !body.contains(name)) return false;
    if (!body.at(name).is_boolean())
      throw api_error(400, std::string("\"") + name + "\" must be true or false");
    return body.at(name).get<bool>();
  }

  // The queues a bot has checkpoints on; 404 when the bus knows nothing of it. Under mu_.
  std::vector<std::string> require_bot(std::string_view bot) {
    for (const auto& b : bus_.bots()) {
      if (b.id != bot) continue;
      std::vector<std::string> queues;
      for (const auto& [q, _] : b.checkpoints) queues.push_back(q);
      return queues;
    }
    if constexpr (bus::stores_bot_state<B>)
      if (bus_.get_bot_state(bot)) return {};
    throw api_error(404, "unknown bot \"" + std::string(bot) + "\"");
  }

  // Under mu_.
  bus::queue_info require_queue(std::string_view queue) {
    for (auto& q : bus_.queues())
      if (q.name == queue) return q;
    throw api_error(404, "unknown queue \"" + std::string(queue) + "\"");
  }

  B& bus_;
  dashboard_options opt_;
  sampled_history history_;
  std::mutex mu_;
};

}  // namespace rstreams::dashboard
