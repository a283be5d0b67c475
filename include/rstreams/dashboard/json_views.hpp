#pragma once
// The JSON the dashboard's API answers: one function per thing it shows (an event, a queue, a
// bot and its lag, the graph), shared by the API and the live updates.

#include <rstreams/bus/detail/utc_time.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/topology.hpp>
#include <rstreams/dashboard/sampled_history.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace rstreams::dashboard {

/// An event: the envelope, with the payload parsed (kept as text when it is not JSON).
inline nlohmann::json record_view(const bus::record& r, const std::string& queue = {}) {
  nlohmann::json j{
      {"eid", r.eid},
      {"id", r.id},
      {"event", r.event.empty() ? queue : r.event},
      {"timestamp", r.timestamp},
      {"event_source_timestamp", r.event_source_timestamp},
      {"correlation_id", r.correlation_id ? nlohmann::json(*r.correlation_id) : nlohmann::json()}};
  auto payload = nlohmann::json::parse(r.payload, nullptr, false);
  j["payload"] = payload.is_discarded() ? nlohmann::json(r.payload) : std::move(payload);
  return j;
}

/// A queue's figures; `rate_per_s` is the rate the sampler measured last (the stats' 60 s
/// average until it has two samples).
inline nlohmann::json queue_view(const bus::queue_stats& q, const sampled_history& h) {
  const auto sampled = h.rate_samples(q.name) >= 2;
  return {{"queue", q.name},
          {"events", q.events},
          {"bytes", q.bytes},
          {"first_eid", q.first_eid},
          {"last_eid", q.last_eid},
          {"last_write_ms", q.last_write_ms},
          {"last_write", bus::detail::utc_time(q.last_write_ms)},
          {"write_rate_per_s", q.write_rate},
          {"rate_per_s", sampled ? h.write_rate(q.name) : q.write_rate}};
}

/// A bot's lag in one queue.
inline nlohmann::json lag_view(const bus::bot_lag& l, const sampled_history& h) {
  return {{"bot", l.bot},
          {"queue", l.queue},
          {"checkpoint", l.checkpoint ? nlohmann::json(l.checkpoint->eid) : nlohmann::json(nullptr)},
          {"lag_events", l.lag_events},
          {"lag_ms", l.lag_ms},
          {"source_lag_ms", l.source_lag_ms},
          {"read_rate_per_s", h.read_rate(l.bot, l.queue)}};
}

/// A bot: state, lease, totals and its lag in each input.
inline nlohmann::json bot_view(const bus::bot_report& b, const sampled_history& h) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& l : b.inputs) inputs.push_back(lag_view(l, h));
  return {{"bot", b.id},
          {"paused", b.state.paused},
          {"consecutive_errors", b.state.consecutive_errors},
          {"last_error", b.state.last_error},
          {"lease_holder", b.lease ? nlohmann::json(b.lease->owner) : nlohmann::json(nullptr)},
          {"last_run_start", b.state.last_run_start},
          {"last_run_end", b.state.last_run_end},
          {"last_outcome", b.state.last_outcome},
          {"runs", b.state.runs},
          {"failed_runs", b.state.failed_runs},
          {"events_in", b.state.events_in},
          {"events_out", b.state.events_out},
          {"dead_letters", b.state.dead_letters},
          {"commits", b.state.commits},
          {"reads", b.state.reads},
          {"writes", b.state.writes},
          {"inputs", std::move(inputs)}};
}

/// The graph of bots, queues and external nodes; read edges carry the lag and the bot's read
/// rate, write edges the queue's write rate (both as sampled).
inline nlohmann::json graph_view(const bus::bus_stats& s, const sampled_history& h) {
  const auto t = bus::topology_of(s);
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (const auto& n : t.nodes) {
    const char* type = n.type == bus::topology_node::kind::queue ? "queue"
                       : n.type == bus::topology_node::kind::bot ? "bot"
                                                                 : "external";
    nodes.push_back(
        {{"id", n.id}, {"name", n.name}, {"type", type}, {"paused", n.paused}, {"events", n.events}});
  }
  for (const auto& e : t.edges) {
    double rate = e.rate;
    if (e.reads && e.from.rfind("q:", 0) == 0) {
      rate = h.read_rate(e.to.substr(2), e.from.substr(2));
    } else if (!e.reads && e.to.rfind("q:", 0) == 0 && h.rate_samples(e.to.substr(2)) >= 2) {
      rate = h.write_rate(e.to.substr(2));
    }
    edges.push_back({{"from", e.from},
                     {"to", e.to},
                     {"reads", e.reads},
                     {"lag_events", e.lag_events},
                     {"lag_ms", e.lag_ms},
                     {"rate_per_s", rate}});
  }
  return {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

}  // namespace rstreams::dashboard
