#pragma once
// The JSON the dashboard's API answers: one function per thing it shows (an event, a queue, a
// bot and its lag, the graph), shared by the API and the live updates.

#include <rstreams/bus/detail/utc_time.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/stats_json.hpp>
#include <rstreams/bus/topology.hpp>
#include <rstreams/dashboard/sampled_history.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
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

/// A queue's figures (bus/stats_json.hpp) and the time of its last write; `rate_per_s` is the
/// rate the sampler measured last (the stats' 60 s average until it has two samples).
inline nlohmann::json queue_view(const bus::queue_stats& q, const sampled_history& h) {
  auto j = bus::queue_stats_json(q);
  j["last_write"] = bus::detail::utc_time(q.last_write_ms);
  j["rate_per_s"] = h.rate_samples(q.name) >= 2 ? h.write_rate(q.name) : q.write_rate;
  return j;
}

/// A bot's lag in one queue, with the read rate the sampler measured.
inline nlohmann::json lag_view(const bus::bot_lag& l, const sampled_history& h) {
  auto j = bus::bot_lag_json(l);
  j["read_rate_per_s"] = h.read_rate(l.bot, l.queue);
  return j;
}

/// A bot: state, lease, totals and its lag in each input.
inline nlohmann::json bot_view(const bus::bot_report& b, const sampled_history& h) {
  auto j = bus::bot_report_json(b);
  auto& inputs = j["inputs"];
  for (std::size_t i = 0; i < b.inputs.size(); ++i) inputs[i] = lag_view(b.inputs[i], h);
  return j;
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
