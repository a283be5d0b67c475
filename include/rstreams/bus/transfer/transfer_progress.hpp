#pragma once
// How far an import or export has got, for a progress display.

#include <chrono>
#include <cstdint>
#include <functional>

namespace rstreams::bus {

/// Events and bytes (uncompressed JSON lines) moved so far, the time taken and the rates.
/// `done` is set on the last report of a run.
struct transfer_progress {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::chrono::duration<double> elapsed{};
  bool done = false;

  [[nodiscard]] double events_per_second() const noexcept {
    return elapsed.count() > 0 ? static_cast<double>(events) / elapsed.count() : 0.0;
  }
  [[nodiscard]] double bytes_per_second() const noexcept {
    return elapsed.count() > 0 ? static_cast<double>(bytes) / elapsed.count() : 0.0;
  }
};

/// Called after every batch and once at the end (`done`), on the calling thread.
using transfer_callback = std::function<void(const transfer_progress&)>;

}  // namespace rstreams::bus
