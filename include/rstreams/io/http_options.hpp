#pragma once
// Options shared by http_get and http_post.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace rstreams {

/// Retries on 5xx, 429 and transport failures (refused, reset, timed out), with
/// exponential backoff on the run's clock. 4xx other than 429 are never retried.
struct http_retry {
  /// Attempts after the first.
  int retries = 3;
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

/// Connection settings.
struct http_options {
  std::vector<std::pair<std::string, std::string>> headers{};
  http_retry retry{};
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds connect_timeout{5000};
};

}  // namespace rstreams
