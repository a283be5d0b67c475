#pragma once
// What the bot runtime keeps of a bot across runs and restarts: its consecutive error count and
// whether it paused itself, stored next to its checkpoints by backends that can (`stores_bot_state`).

#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

/// A bot's persistent health: consecutive failed runs, the pause (set past the error limit and
/// kept until resumed) and the last error's text; and its record of runs, kept by the bot
/// runtime after each run: the last run's start and end (ms since the epoch) and outcome
/// ("ok", "error", "" before the first), totals over all runs of every instance, and what it
/// declares it reads and writes (bot_options::reads / writes, for the topology).
struct bot_state {
  std::uint32_t consecutive_errors = 0;
  bool paused = false;
  std::string last_error;
  std::int64_t last_run_start = 0;
  std::int64_t last_run_end = 0;
  std::string last_outcome{};
  std::uint64_t runs = 0;
  std::uint64_t failed_runs = 0;
  std::uint64_t events_in = 0;
  std::uint64_t events_out = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t commits = 0;
  std::vector<std::string> reads{};   // what the bot declares it reads besides its checkpointed
  std::vector<std::string> writes{};  // queues, and writes ("queue" or "kind:what" outside the bus)

  friend bool operator==(const bot_state&, const bot_state&) = default;
};

inline void to_json(nlohmann::json& j, const bot_state& s) {
  j = nlohmann::json{{"consecutive_errors", s.consecutive_errors},
                     {"paused", s.paused},
                     {"last_error", s.last_error},
                     {"last_run_start", s.last_run_start},
                     {"last_run_end", s.last_run_end},
                     {"last_outcome", s.last_outcome},
                     {"runs", s.runs},
                     {"failed_runs", s.failed_runs},
                     {"events_in", s.events_in},
                     {"events_out", s.events_out},
                     {"dead_letters", s.dead_letters},
                     {"commits", s.commits},
                     {"reads", s.reads},
                     {"writes", s.writes}};
}

inline void from_json(const nlohmann::json& j, bot_state& s) {
  s.consecutive_errors = j.value("consecutive_errors", std::uint32_t{0});
  s.paused = j.value("paused", false);
  s.last_error = j.value("last_error", std::string{});
  s.last_run_start = j.value("last_run_start", std::int64_t{0});
  s.last_run_end = j.value("last_run_end", std::int64_t{0});
  s.last_outcome = j.value("last_outcome", std::string{});
  s.runs = j.value("runs", std::uint64_t{0});
  s.failed_runs = j.value("failed_runs", std::uint64_t{0});
  s.events_in = j.value("events_in", std::uint64_t{0});
  s.events_out = j.value("events_out", std::uint64_t{0});
  s.dead_letters = j.value("dead_letters", std::uint64_t{0});
  s.commits = j.value("commits", std::uint64_t{0});
  s.reads = j.value("reads", std::vector<std::string>{});
  s.writes = j.value("writes", std::vector<std::string>{});
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
