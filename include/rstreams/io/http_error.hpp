#pragma once
// The error of an HTTP source or sink: it names the method, the URL and the status (or the
// transport failure), and for a sink how many items were delivered before it.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <string>

namespace rstreams {

/// A failed HTTP exchange. `status()` is the HTTP status, or 0 when no response came (a
/// refused connection, a timeout); `what()` names the method, URL and cause.
class http_error : public io_error {
 public:
  http_error(std::string url, long status, const std::string& reason, std::size_t delivered = 0)
      : io_error(std::move(url), reason), status_(status), delivered_(delivered) {}

  [[nodiscard]] const std::string& url() const noexcept { return path(); }
  [[nodiscard]] long status() const noexcept { return status_; }
  /// For sinks: the items the server accepted before the failure.
  [[nodiscard]] std::size_t delivered() const noexcept { return delivered_; }

 private:
  long status_;
  std::size_t delivered_;
};

}  // namespace rstreams
