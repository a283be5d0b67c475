#pragma once
// What a dashboard server listens on, what it lets a user do, and the bounds on what it keeps.

#include <rstreams/bus/trace.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>

namespace rstreams::dashboard {

/// * `host` / `port`: where to listen (127.0.0.1 unless told otherwise; port 0: a free one);
/// * `read_only`: no pause, resume, replay or checkpoint moves (those routes answer 403);
/// * `token`: what actions must send in the `X-Rstreams-Token` header ("" = a random one);
/// * `sample_interval` / `history_span`: how often the server samples lag and rates, and how
///   much it keeps per bot input and queue (span / interval samples, in fixed rings);
/// * `max_live_clients`: open /api/events streams at once (more get 503);
/// * `max_body_bytes`: the largest request body (larger: 413);
/// * `max_events_per_page`: the most events one /api/queues/Q/events answer holds;
/// * `trace`: the bounds of a lineage search.
struct dashboard_options {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool read_only = false;
  std::string token{};
  std::chrono::milliseconds sample_interval{2000};
  std::chrono::milliseconds history_span{3'600'000};
  std::size_t max_live_clients = 8;
  std::size_t max_body_bytes = 16 * 1024;
  std::size_t max_events_per_page = 500;
  bus::trace_options trace{};

  /// Samples kept per series: span / interval, at least 1.
  [[nodiscard]] std::size_t history_capacity() const {
    const auto n = sample_interval.count() > 0 ? history_span.count() / sample_interval.count() : 1;
    return static_cast<std::size_t>(std::max<long long>(1, static_cast<long long>(n)));
  }
};

}  // namespace rstreams::dashboard
