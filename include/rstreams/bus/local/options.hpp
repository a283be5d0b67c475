#pragma once
// Settings of the local backend.

#include <rstreams/bus/local/retention.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// When the local backend calls fsync on a queue's segment:
/// * `never`: leave it to the OS (survives a crashed process, not a crashed machine);
/// * `every_batch`: before `append` returns (group commit: threads appending to one queue at the
///   same time share one fsync), and each checkpoint commit before `commit_checkpoint` returns.
///   A bot (`enrich`, `offload`) appends its micro-batches with `append_unsynced` instead and
///   syncs them once per checkpoint span, on a second thread that then commits the checkpoint:
///   the bot works on the next span meanwhile, and its run returns only once every output and
///   checkpoint is durable. A checkpoint is still never durable before the outputs it covers;
///   what a power loss mid-run can take is outputs past the last durable checkpoint (re-derived
///   by the next run), which readers of the output queue may have been handed already (README:
///   "What each fsync_policy of the local backend can cost");
/// * `interval`: at most once per `fsync_interval`, on an append, on `flush()`, before a
///   checkpoint commit (so a checkpoint is never more durable than the events it covers) and on
///   close.
enum class fsync_policy { never, every_batch, interval };

/// Options of `local_backend`.
struct local_options {
  fsync_policy fsync = fsync_policy::every_batch;
  std::chrono::milliseconds fsync_interval{100};
  /// A segment is closed and the next one started once it holds this many bytes.
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  /// The sparse index gets an entry every this many bytes of a segment.
  std::uint64_t index_every_bytes = std::uint64_t{64} << 10;
  /// A bot's checkpoint journal (`checkpoints/<bot>/checkpoints.journal`) is rewritten with only
  /// the latest checkpoint of each queue once its entries pass this many bytes (and 4 times what
  /// those latest ones need).
  std::uint64_t checkpoint_journal_bytes = std::uint64_t{1} << 20;
  /// At most this many queues keep descriptors open in one handle (a queue holds up to four: its
  /// lock, segment and index for appending, a segment for reading); the least recently used
  /// queue's are closed first and opened again on its next use. So descriptors follow what a
  /// process uses, not how many queues the bus has: 32 queues take at most 128 descriptors.
  std::size_t max_open_queues = 32;
  /// Create the directory (and the bus in it) when it does not exist.
  bool create = true;
  /// On open, truncate the torn tail a crashed writer may have left in each queue (otherwise
  /// that happens on the queue's first append; readers never return a torn record either way).
  bool recover_on_open = true;
  /// Open for reading only: no lock, file or directory is created or changed (no recovery, no
  /// creation); read, wait, queues, bots, checkpoints and verify work, anything that writes
  /// throws io_error. Chosen automatically when the directory is not writable (a read-only
  /// filesystem, or a user without write permission).
  bool read_only = false;
  /// The time eids are assigned from, in ms since the epoch (UTC); system_clock when empty.
  /// Tests use it to run the clock backwards.
  std::function<std::int64_t()> now_ms;
  /// Retention of every queue (default: keep everything). It runs when an append closes a
  /// segment and when `local_backend::apply_retention()` is called; nothing else removes data.
  retention_policy retention{};
  /// Retention of single queues, by name (replaces `retention` for them).
  std::map<std::string, retention_policy, std::less<>> queue_retention{};

  /// The retention of queue `name`.
  [[nodiscard]] const retention_policy& retention_of(std::string_view name) const {
    const auto it = queue_retention.find(name);
    return it == queue_retention.end() ? retention : it->second;
  }
};

}  // namespace rstreams::bus
