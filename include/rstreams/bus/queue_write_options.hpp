#pragma once
// How writes to a queue are micro-batched, and how often the positions they complete are
// committed as checkpoints.

#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rstreams::bus {

/// When a bot commits its read checkpoint: after `records` inputs completed or `time` passed
/// since the last commit (whichever comes first), and always at the end of a run. RStreams'
/// defaults: 1000 records or 10 s. `force` commits even when another instance moved the
/// checkpoint meanwhile (otherwise such a commit throws stale_checkpoint).
struct checkpoint_options {
  std::uint64_t records = 1000;
  std::chrono::milliseconds time{10'000};
  bool force = false;
};

/// A micro-batch is appended when it holds `records` events, `bytes` bytes of payload, or its
/// first event is `time` old, whichever comes first, and at the end. RStreams' defaults
/// (its Kinesis path): 100 records, 200 KB, 200 ms.
struct queue_write_options {
  std::size_t records = 100;
  std::size_t bytes = 200 * 1024;
  std::chrono::milliseconds time{200};
  /// Checkpoints of the queues the written events were derived from (see `write`).
  checkpoint_options checkpoint{};
  /// When false, `write` commits no checkpoint (the caller does, e.g. with set_checkpoint).
  bool auto_checkpoint = true;

  /// Throws config_error for a zero batch size.
  void validate(const char* op) const {
    if (records == 0)
      throw config_error(std::string("rstreams::bus::") + op +
                         ": queue_write_options.records must be at least 1");
    if (bytes == 0)
      throw config_error(std::string("rstreams::bus::") + op +
                         ": queue_write_options.bytes must be at least 1");
  }
};

/// Deprecated name of `queue_write_options`, kept for one release.
using write_options
    [[deprecated("use rstreams::bus::queue_write_options; rstreams::file_write_options is the io one")]] =
        queue_write_options;

}  // namespace rstreams::bus
