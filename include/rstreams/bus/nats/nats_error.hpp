#pragma once
// The error the NATS backend raises when the server or libnats fails (after its retries).

#include <rstreams/core/error.hpp>

#include <nats/nats.h>

#include <string>
#include <utility>

namespace rstreams::bus {

/// A NATS or JetStream call failed for good (after the backend's bounded retries). `what()`
/// names the server URL, the operation, the libnats status and, when there is one, the
/// JetStream error code.
class nats_error : public rstreams::error {
 public:
  nats_error(std::string url, std::string operation, natsStatus status, int js_code = 0)
      : error("rstreams: nats " + url + ": " + operation + " failed: " + natsStatus_GetText(status) +
              (js_code != 0 ? " (jetstream error " + std::to_string(js_code) + ")" : std::string())),
        url_(std::move(url)),
        status_(status),
        js_code_(js_code) {}

  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  [[nodiscard]] natsStatus status() const noexcept { return status_; }
  [[nodiscard]] int js_code() const noexcept { return js_code_; }

 private:
  std::string url_;
  natsStatus status_;
  int js_code_;
};

}  // namespace rstreams::bus
