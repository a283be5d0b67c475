#pragma once
// Moving bots' checkpoints from the dashboard, dry run first: a plan names each checkpoint's
// current and new eid and the lag before and after; executing it is a compare-and-set against
// the eids the user saw in the dry run, so a confirm after the bot moved changes nothing (409).

#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/dashboard/api_error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rstreams::dashboard {

/// One checkpoint move: `bot` on `queue` from `from` (when `had_checkpoint`; else it has none)
/// to `to` ("" = the start), and the lag in events before and after. (A flag and a string, not
/// a std::optional member: GCC 12 at -O3 calls that maybe-uninitialized.)
struct checkpoint_move {
  std::string bot;
  std::string queue;
  bool had_checkpoint = false;
  std::string from;
  std::string to;
  std::uint64_t lag_before = 0;
  std::uint64_t lag_after = 0;

  [[nodiscard]] std::optional<std::string> expected() const {
    return had_checkpoint ? std::optional<std::string>(from) : std::nullopt;
  }
};

inline nlohmann::json to_json_view(const checkpoint_move& m) {
  return {{"bot", m.bot},
          {"queue", m.queue},
          {"from", m.had_checkpoint ? nlohmann::json(m.from) : nlohmann::json(nullptr)},
          {"to", m.to},
          {"lag_before", m.lag_before},
          {"lag_after", m.lag_after}};
}

/// The move of `bot`'s checkpoint on `queue` to `to`.
template <bus::reports_stats B>
checkpoint_move plan_checkpoint_move(B& bus, const std::string& bot, const std::string& queue,
                                     const std::string& to) {
  const auto q = bus.queue_stats(queue);
  const auto now = bus.get_checkpoint(bot, queue);
  const auto lag_at = [&](const std::string& at) {
    const auto p = at.empty() ? q.first_position : std::max(bus.position(queue, at), q.first_position);
    return q.head_position > p ? q.head_position - p : 0;
  };
  checkpoint_move m{bot, queue, now.has_value(), now ? now->eid : std::string(), to, 0, 0};
  m.lag_before = lag_at(now ? now->eid : std::string());
  m.lag_after = lag_at(to);
  return m;
}

/// Applies `moves` when `expect` (the "changes" of their dry run, or an object {queue: eid or
/// null}) names the checkpoints each one starts from; throws api_error 409 when one moved since,
/// 400 when `expect` is missing or malformed. Each commit is a compare-and-set.
template <class B>
void apply_checkpoint_moves(B& bus, const std::vector<checkpoint_move>& moves, const nlohmann::json& expect) {
  const auto expected_of = [&](const std::string& queue) -> nlohmann::json {
    if (expect.is_object() && expect.contains(queue)) return expect.at(queue);
    if (expect.is_array())
      for (const auto& c : expect)
        if (c.is_object() && c.value("queue", std::string()) == queue && c.contains("from"))
          return c.at("from");
    throw api_error(
        400, "to execute, send \"expect\": the checkpoints of the dry run (missing for queue " + queue + ")");
  };
  for (const auto& m : moves) {
    const nlohmann::json e = expected_of(m.queue);
    if (!e.is_null() && !e.is_string())
      throw api_error(400, "\"expect\" for queue " + m.queue + " is not an eid");
    const std::optional<std::string> want = e.is_null() ? std::nullopt : std::optional(e.get<std::string>());
    if (want != m.expected())
      throw api_error(409,
                      "the checkpoint of " + m.bot + " on " + m.queue + " moved since the dry run (now " +
                          (m.had_checkpoint ? m.from : std::string("none")) + "); run the dry run again");
  }
  for (const auto& m : moves) {
    auto cp = bus.get_checkpoint(m.bot, m.queue).value_or(bus::checkpoint{});
    cp.eid = m.to;
    cp.updated_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    try {
      bus.commit_checkpoint(m.bot, m.queue, m.expected(), cp);
    } catch (const bus::stale_checkpoint& e) {
      throw api_error(409, std::string("the checkpoint moved while applying: ") + e.what());
    }
  }
}

}  // namespace rstreams::dashboard
