#pragma once
// ISO 8601 UTC times as people type them (`2026-12-05T15:00:00Z`) in the dashboard and the
// rstreams tool, to and from ms since the epoch.

#include <rstreams/bus/eid.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

/// `YYYY-MM-DDTHH:MM[:SS[.mmm]]Z` (or a space for T) -> ms since the epoch; nothing otherwise.
inline std::optional<std::int64_t> parse_utc_time(std::string_view t) {
  const auto num = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > t.size()) return false;
    const auto r = std::from_chars(t.data() + at, t.data() + at + n, out);
    return r.ec == std::errc() && r.ptr == t.data() + at + n;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (t.size() < 17 || !num(0, 4, y) || t[4] != '-' || !num(5, 2, mo) || t[7] != '-' || !num(8, 2, d) ||
      (t[10] != 'T' && t[10] != ' ') || !num(11, 2, h) || t[13] != ':' || !num(14, 2, mi))
    return std::nullopt;
  std::size_t at = 16;
  if (at < t.size() && t[at] == ':') {
    if (!num(at + 1, 2, s)) return std::nullopt;
    at += 3;
    if (at < t.size() && t[at] == '.') {
      if (!num(at + 1, 3, ms)) return std::nullopt;
      at += 4;
    }
  }
  if (at + 1 != t.size() || t[at] != 'Z') return std::nullopt;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || ms < 0) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;  // 2026-02-31
  return eid_ms_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), static_cast<unsigned>(h),
                           static_cast<unsigned>(mi)) +
         s * 1000 + ms;
}

/// `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ` ("" for 0 or less).
inline std::string utc_time(std::int64_t ms) {
  if (ms <= 0) return {};
  const auto c = eid_civil_from_ms(ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02d.%03dZ", c.year, c.month, c.day, c.hour,
                c.minute, static_cast<int>(ms / 1000 % 60), static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace rstreams::bus::detail
