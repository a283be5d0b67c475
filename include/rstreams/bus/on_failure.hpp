#pragma once
// What a bot does with an event it cannot handle (its payload does not decode, or the user's
// function throws on it).

#include <string>
#include <string_view>

namespace rstreams::bus {

/// `fail` (the default): commit what is complete before the event, then throw (the next run
/// starts at that event again). `dead_letter`: write the event, the bot, the cause and the
/// original payload to the dead-letter queue (`<input queue>.error` unless named) and go on;
/// the checkpoint passes the event once its dead letter is durable. Never a silent skip.
enum class on_failure { fail, dead_letter };

namespace detail {
/// The policy an options struct asks for: its deprecated `on_error` when set, else `on_failure`.
template <class Options>
bus::on_failure failure_policy(const Options& o) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return o.on_error ? *o.on_error : o.on_failure;
#pragma GCC diagnostic pop
}

inline std::string dead_letter_queue_for(std::string_view in, std::string_view configured) {
  return configured.empty() ? std::string(in) + ".error" : std::string(configured);
}
}  // namespace detail

}  // namespace rstreams::bus
