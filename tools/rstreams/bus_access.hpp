#pragma once
// How the rstreams tool opens a bus and reads what its arguments name, with the errors a user
// sees: unknown bus, queue or bot, malformed positions and times, checkpoints past the end.

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/detail/utc_time.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/core/error.hpp>

#if defined(RSTREAMS_CLI_NATS)
#include <rstreams/bus/nats/nats_backend.hpp>
#endif

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace rstreams::cli {

namespace rb = rstreams::bus;

/// A mistake in what the user asked for (exit code 1, message on stderr).
class usage_error : public rstreams::error {
 public:
  using error::error;
};

struct bus_options {
  std::string nats_prefix = "rstreams";
};

/// Opens an existing bus: a directory (never created here) or nats://host:port.
inline rb::any_backend open_existing_bus(const std::string& url, [[maybe_unused]] const bus_options& o) {
  if (url.rfind("nats://", 0) == 0) {
#if defined(RSTREAMS_CLI_NATS)
    rb::nats_options opt;
    opt.prefix = o.nats_prefix;
    opt.connect_attempts = 2;
    opt.attempts = 2;
    opt.request_timeout = std::chrono::milliseconds(3000);
    try {
      return rb::any_backend(rb::nats_backend(url, opt));
    } catch (const rstreams::error& e) {
      throw usage_error("cannot reach bus " + url + ": " + e.what());
    }
#else
    throw usage_error("cannot open bus " + url + ": this rstreams was built without NATS support");
#endif
  }
  if (url.find("://") != std::string::npos && url.rfind("file://", 0) != 0)
    throw usage_error("unknown bus " + url + ": give a bus directory, file://<dir> or nats://host:port");
  rb::local_options opt;
  opt.create = false;
  opt.recover_on_open = false;
  const std::string dir = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
  try {
    return rb::any_backend(rb::local_backend(dir, opt));
  } catch (const rstreams::error& e) {
    throw usage_error("unknown bus " + url + ": " + e.what());
  }
}

/// Throws unless `queue` exists on the bus.
inline rb::queue_info require_queue(rb::any_backend& bus, std::string_view queue) {
  rb::validate_queue_name(queue);
  for (auto& q : bus.queues())
    if (q.name == queue) return q;
  throw usage_error("unknown queue \"" + std::string(queue) + "\" on " + bus.describe() +
                    " (see `rstreams queues`)");
}

/// Throws unless `bot` has a checkpoint or stored state on the bus.
inline rb::bot_info require_bot(rb::any_backend& bus, std::string_view bot) {
  rb::validate_bot_name(bot);
  for (auto& b : bus.bots())
    if (b.id == bot) return b;
  if (bus.get_bot_state(bot)) return rb::bot_info{std::string(bot), {}};
  throw usage_error("unknown bot \"" + std::string(bot) + "\" on " + bus.describe() +
                    " (see `rstreams bots`)");
}

/// ISO 8601 UTC time `YYYY-MM-DDTHH:MM[:SS[.mmm]]Z` (or with a space for T) -> ms since the
/// epoch; nothing when `text` is not of that shape.
inline std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  return rb::detail::parse_utc_time(text);
}

/// A position the user typed: an eid or eid prefix (`z/...`), or an ISO time (read as the eid
/// prefix of that millisecond). Throws usage_error naming the text otherwise.
inline std::string parse_position(std::string_view text) {
  if (text.rfind("z/", 0) == 0 || text == "z") {
    try {
      rb::validate_position(text);
    } catch (const rstreams::error& e) {
      throw usage_error("malformed eid \"" + std::string(text) + "\": " + e.what());
    }
    return std::string(text);
  }
  if (const auto ms = parse_iso_time(text)) return rb::make_eid(*ms);
  throw usage_error("malformed eid or time \"" + std::string(text) +
                    "\" (give an eid like z/2026/12/05/15/00/1765000000000-0000000, a prefix like "
                    "z/2026/12/05/, or a UTC time like 2026-12-05T15:00:00Z)");
}

/// `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ` ("-" for 0).
inline std::string iso_time(std::int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

/// A duration in ms, short: "0s", "4.2s", "3m12s", "5h02m".
inline std::string short_duration(std::int64_t ms) {
  char buf[32];
  if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  }
  return buf;
}

}  // namespace rstreams::cli
