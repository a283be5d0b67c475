#pragma once
// What a bot does with an event it cannot handle (its payload does not decode, or the user's
// function throws on it).

#include <rstreams/bus/backend.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// `fail` (the default): commit what is complete before the event, then throw (the next run
/// starts at that event again). `dead_letter`: write the event, the bot, the cause and the
/// original payload to the dead-letter queue (`<input queue>.error` unless named; for input
/// names over 194 characters, a shortened name with a hash, see dead_letter_queue_for) and go on;
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

/// `<in>.error`, or, when that would pass the name limit (an input name longer than 194
/// characters), the first 185 characters of `in`, '-', 8 hex digits of a hash of the whole
/// name, and ".error": every valid queue name has a valid dead-letter queue of its own.
inline std::string dead_letter_queue_for(std::string_view in, std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  constexpr std::string_view suffix = ".error";
  if (in.size() + suffix.size() <= max_name_size) return std::string(in) + std::string(suffix);
  std::uint32_t h = 2166136261u;  // FNV-1a: stable across runs and machines
  for (const char c : in) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(in.substr(0, max_name_size - suffix.size() - 9));
  out.push_back('-');
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(hex[(h >> shift) & 0xFu]);
  out += suffix;
  return out;
}
}  // namespace detail

}  // namespace rstreams::bus
