#pragma once
// Moving a bot's checkpoint by hand: replay from any eid or prefix, or from the beginning.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/eid.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace rstreams::bus {

struct set_checkpoint_fn {
  /// Sets bot `bot`'s checkpoint on `queue` to `position` (an eid or a prefix; its next read
  /// starts strictly after it). With `expected`, a compare-and-set that throws stale_checkpoint
  /// when another instance moved it; without, forced.
  template <backend B>
  void operator()(B& bus, std::string_view bot, std::string_view queue, std::string_view position,
                  std::optional<std::optional<std::string>> expected = std::nullopt) const {
    validate_bot_name(bot);
    validate_queue_name(queue);
    validate_position(position);
    checkpoint next;
    next.eid = std::string(position == "z/" ? std::string_view{} : position);
    next.updated_at = detail::now_ms();
    if (const auto current = bus.get_checkpoint(bot, queue)) next.records = current->records;
    if (expected)
      bus.commit_checkpoint(bot, queue, *expected, next, false);
    else
      bus.commit_checkpoint(bot, queue, std::nullopt, next, true);
  }
};

/// `set_checkpoint(bus, bot, queue, position)`: replay (or skip) from any eid or prefix.
inline constexpr set_checkpoint_fn set_checkpoint{};

struct reset_checkpoint_fn {
  template <backend B>
  void operator()(B& bus, std::string_view bot, std::string_view queue) const {
    set_checkpoint(bus, bot, queue, "");
  }
};

/// `reset_checkpoint(bus, bot, queue)`: the bot reads `queue` from the beginning next time.
inline constexpr reset_checkpoint_fn reset_checkpoint{};

}  // namespace rstreams::bus
