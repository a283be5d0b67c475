#pragma once
// The Prometheus text exposition of a metrics_registry: pipeline stages and the bots of this
// process, named by Prometheus conventions (`rstreams_` prefix, `_total` counters, units).

#include <rstreams/core/detail/prometheus_text.hpp>
#include <rstreams/core/metrics.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams {

/// Families, for stages (labels `pipeline`, `position`, `stage`): rstreams_stage_in_total,
/// rstreams_stage_out_total, rstreams_stage_errors_total, rstreams_stage_retries_total,
/// rstreams_stage_dead_lettered_total; gauges where the stage has them:
/// rstreams_stage_channel_depth_items, rstreams_stage_channel_capacity_items,
/// rstreams_stage_in_flight_items, rstreams_stage_in_flight_limit_items. For bots running in this
/// process (label `bot`): rstreams_bot_live_events_in_total, rstreams_bot_live_events_out_total,
/// rstreams_bot_live_errors_total, rstreams_bot_live_retries_total,
/// rstreams_bot_live_dead_lettered_total, rstreams_bot_live_commits_total. (The bus's own totals
/// over every run and process are bus/prometheus.hpp's rstreams_bot_events_in_total etc.)
inline std::string to_prometheus(const metrics_registry& reg) {
  const auto all = reg.snapshot();
  std::vector<const stage_metrics_snapshot*> stages, bots;
  for (const auto& s : all) (s.bot ? bots : stages).push_back(&s);
  std::string out;
  struct family {
    std::string_view name, type, help;
    bool counter;
    std::uint64_t stage_metrics_snapshot::*count;
    std::int64_t stage_metrics_snapshot::*gauge;
  };
  using S = stage_metrics_snapshot;
  const family stage_families[] = {
      {"rstreams_stage_in_total", "counter", "Elements that reached the stage.", true, &S::in, nullptr},
      {"rstreams_stage_out_total", "counter", "Elements the stage handed on.", true, &S::out, nullptr},
      {"rstreams_stage_errors_total", "counter",
       "Elements the stage failed on for good (skipped, dead-lettered or failing the run).", true, &S::errors,
       nullptr},
      {"rstreams_stage_retries_total", "counter",
       "Repeated calls of the stage's function under a retry policy.", true, &S::retries, nullptr},
      {"rstreams_stage_dead_lettered_total", "counter", "Elements the stage handed to its dead-letter sink.",
       true, &S::dead_lettered, nullptr},
      {"rstreams_stage_channel_depth_items", "gauge",
       "Items in the stage's channel (async boundaries, merges).", false, nullptr, &S::channel_depth},
      {"rstreams_stage_channel_capacity_items", "gauge", "Capacity of the stage's channel.", false, nullptr,
       &S::channel_capacity},
      {"rstreams_stage_in_flight_items", "gauge",
       "Elements a parallel stage took from upstream and has not handed on yet.", false, nullptr,
       &S::in_flight},
      {"rstreams_stage_in_flight_limit_items", "gauge", "The most elements a parallel stage keeps in flight.",
       false, nullptr, &S::in_flight_limit},
  };
  for (const auto& f : stage_families) {
    bool any = false;
    for (const auto* s : stages) any = any || f.counter || (s->*f.gauge) >= 0;
    if (!any) continue;
    detail::prom_family fam(out, f.name, f.type, f.help);
    for (const auto* s : stages) {
      if (!f.counter && (s->*f.gauge) < 0) continue;
      const std::string pos = std::to_string(s->position);
      fam.sample({{"pipeline", s->pipeline}, {"position", pos}, {"stage", s->stage}},
                 f.counter ? static_cast<double>(s->*f.count) : static_cast<double>(s->*f.gauge));
    }
  }
  if (bots.empty()) return out;
  const family bot_families[] = {
      {"rstreams_bot_live_events_in_total", "counter", "Events the bot read in this process.", true, &S::in,
       nullptr},
      {"rstreams_bot_live_events_out_total", "counter", "Events the bot wrote in this process.", true,
       &S::out, nullptr},
      {"rstreams_bot_live_errors_total", "counter", "Events the bot failed on in this process.", true,
       &S::errors, nullptr},
      {"rstreams_bot_live_retries_total", "counter", "Retried calls of the bot's function in this process.",
       true, &S::retries, nullptr},
      {"rstreams_bot_live_dead_lettered_total", "counter",
       "Events the bot sent to its dead-letter queue in this process.", true, &S::dead_lettered, nullptr},
      {"rstreams_bot_live_commits_total", "counter", "Checkpoint commits of the bot in this process.", true,
       &S::commits, nullptr},
  };
  for (const auto& f : bot_families) {
    detail::prom_family fam(out, f.name, f.type, f.help);
    for (const auto* s : bots) fam.sample({{"bot", s->pipeline}}, static_cast<double>(s->*f.count));
  }
  return out;
}

}  // namespace rstreams
