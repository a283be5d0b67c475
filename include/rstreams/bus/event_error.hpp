#pragma once
// A bot's function failed on one event: names the bot, the queue and the eid, cause nested.

#include <rstreams/core/error.hpp>

#include <string>
#include <utility>

namespace rstreams::bus {

/// `what()` reads "rstreams: bot enricher failed on queue people, event z/...: <cause>";
/// the original exception is nested (std::rethrow_if_nested).
class event_error : public rstreams::error {
 public:
  event_error(std::string bot, std::string queue, std::string eid, const std::string& cause)
      : error("rstreams: bot " + bot + " failed on queue " + queue + ", event " + eid + ": " + cause),
        bot_(std::move(bot)),
        queue_(std::move(queue)),
        eid_(std::move(eid)) {}
  [[nodiscard]] const std::string& bot() const noexcept { return bot_; }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  [[nodiscard]] const std::string& eid() const noexcept { return eid_; }

 private:
  std::string bot_;
  std::string queue_;
  std::string eid_;
};

}  // namespace rstreams::bus
