#pragma once
// What the bot runtime keeps of a bot across runs and restarts: its consecutive error count and
// whether it paused itself, stored next to its checkpoints by backends that can (`stores_bot_state`).

#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// A bot's persistent health: consecutive failed runs, the pause (set past the error limit and
/// kept until resumed) and the last error's text.
struct bot_state {
  std::uint32_t consecutive_errors = 0;
  bool paused = false;
  std::string last_error;

  friend bool operator==(const bot_state&, const bot_state&) = default;
};

inline void to_json(nlohmann::json& j, const bot_state& s) {
  j = nlohmann::json{
      {"consecutive_errors", s.consecutive_errors}, {"paused", s.paused}, {"last_error", s.last_error}};
}

inline void from_json(const nlohmann::json& j, bot_state& s) {
  s.consecutive_errors = j.value("consecutive_errors", std::uint32_t{0});
  s.paused = j.value("paused", false);
  s.last_error = j.value("last_error", std::string{});
}

/// True when backend `B` stores bot state: `get_bot_state(bot)` -> std::optional<bot_state> and
/// `put_bot_state(bot, state)`. The bot runtime then keeps a paused bot paused across restarts;
/// with other backends the state lives in the bot object only.
template <class B>
concept stores_bot_state = requires(B& b, std::string_view bot, const bot_state& s) {
  { b.get_bot_state(bot) } -> std::same_as<std::optional<bot_state>>;
  b.put_bot_state(bot, s);
};

}  // namespace rstreams::bus
