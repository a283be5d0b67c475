#pragma once
// What an event derived by enrich (or a dead letter) inherits from the inputs it came from.

#include <rstreams/bus/checkpoint_tracker.hpp>

#include <cstdint>
#include <string_view>

namespace rstreams::bus::detail {

/// The inputs [first, last] an output is derived from, as the bot engine passes them along:
/// their eids for the output's correlation (`last_eid` empty for one input), how many they
/// are, the source timestamp the output inherits (the first input's event_source_timestamp,
/// else its timestamp) and the checkpoint tracker's tickets of the first and last input.
/// The eids are views: the caller keeps the strings alive while the lineage is in use.
struct lineage {
  std::string_view first_eid;
  std::string_view last_eid;
  std::uint64_t units = 1;
  std::int64_t source_timestamp = 0;
  checkpoint_tracker::ticket first = 0;
  checkpoint_tracker::ticket last = 0;

  /// One input: eid, ticket and source timestamp.
  static lineage of_one(std::string_view eid, checkpoint_tracker::ticket t,
                        std::int64_t source_timestamp) noexcept {
    return {eid, {}, 1, source_timestamp, t, t};
  }
};

}  // namespace rstreams::bus::detail
