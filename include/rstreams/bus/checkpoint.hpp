#pragma once
// A bot's position in a queue, and the error a compare-and-set commit raises when it lost a race.

#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus {

/// Where a bot is in a queue: the last eid it has fully handled, how many records it has
/// handled in total, the event_source_timestamp of that last event and when it was committed
/// (ms since the epoch).
struct checkpoint {
  std::string eid;
  std::uint64_t records = 0;
  std::int64_t source_timestamp = 0;
  std::int64_t updated_at = 0;

  friend bool operator==(const checkpoint&, const checkpoint&) = default;
};

inline void to_json(nlohmann::json& j, const checkpoint& c) {
  j = nlohmann::json{{"eid", c.eid},
                     {"records", c.records},
                     {"source_timestamp", c.source_timestamp},
                     {"updated_at", c.updated_at}};
}

inline void from_json(const nlohmann::json& j, checkpoint& c) {
  c.eid = j.at("eid").get<std::string>();
  c.records = j.value("records", std::uint64_t{0});
  c.source_timestamp = j.value("source_timestamp", std::int64_t{0});
  c.updated_at = j.value("updated_at", std::int64_t{0});
}

/// A checkpoint commit found another eid than the one it expected: another instance of the bot
/// moved it. `what()` names the bot, the queue, and both eids ("none" when there was none).
class stale_checkpoint : public rstreams::error {
 public:
  stale_checkpoint(std::string bot, std::string queue, std::optional<std::string> expected,
                   std::optional<std::string> found)
      : error("rstreams: stale checkpoint for bot " + bot + " on queue " + queue + ": expected " +
              show(expected) + ", found " + show(found) +
              " (another instance moved it; commit with force to override)"),
        bot_(std::move(bot)),
        queue_(std::move(queue)),
        expected_(std::move(expected)),
        found_(std::move(found)) {}

  [[nodiscard]] const std::string& bot() const noexcept { return bot_; }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  [[nodiscard]] const std::optional<std::string>& expected() const noexcept { return expected_; }
  [[nodiscard]] const std::optional<std::string>& found() const noexcept { return found_; }

 private:
  static std::string show(const std::optional<std::string>& e) { return e ? "\"" + *e + "\"" : "none"; }
  std::string bot_;
  std::string queue_;
  std::optional<std::string> expected_;
  std::optional<std::string> found_;
};

}  // namespace rstreams::bus
