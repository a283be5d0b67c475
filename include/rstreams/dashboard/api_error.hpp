#pragma once
// A request the dashboard refuses, with the HTTP status that says why (400 malformed, 401/403
// token, 404 unknown bot or queue, 409 moved since the dry run, 413 too large, 503 full).

#include <rstreams/core/error.hpp>

#include <string>

namespace rstreams::dashboard {

/// Thrown by the dashboard's API; the server answers `status()` with {"error": what()}.
class api_error : public rstreams::error {
 public:
  api_error(int status, const std::string& message) : error(message), status_(status) {}
  [[nodiscard]] int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace rstreams::dashboard
