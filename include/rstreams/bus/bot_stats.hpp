#pragma once
// What one run of a bot did.

#include <cstdint>
#include <optional>
#include <string>

namespace rstreams::bus {

/// Events read, derived events written, events sent to the dead-letter queue, checkpoint
/// commits, the position committed at the end of the run (unset when none ever was), and what
/// the run read past (new fields go last, so positional initialisation keeps its meaning).
struct bot_stats {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t commits = 0;
  std::optional<std::string> checkpoint;
  /// Events retention removed before the bot read them (only under
  /// queue_read_options::on_expired = resume; otherwise the run fails with checkpoint_expired).
  std::uint64_t missed = 0;
  /// Events in damaged records the bot read past (only under queue_read_options::on_corrupt =
  /// skip; otherwise the run fails with corrupt_record).
  std::uint64_t corrupt_skipped = 0;
};

}  // namespace rstreams::bus
