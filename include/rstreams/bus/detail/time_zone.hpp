#pragma once
// A time zone from the system's tz database (TZif files under $TZDIR or /usr/share/zoneinfo,
// RFC 8536), for cron schedules in local time. GCC 12's libstdc++ has no std::chrono tzdb
// (locate_zone arrives with GCC 13), and TZ + localtime_r would change the whole process's
// zone, so the file is read here: its table of transitions, extended past its end (2037 in
// "fat" files, earlier in "slim" ones) by the POSIX TZ rule in its footer, up to the year 2200.

#include <rstreams/core/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

class time_zone {
 public:
  /// Loads zone `name` ("Europe/Berlin", "UTC"); config_error when it is not a zone.
  static time_zone load(const std::string& name) {
    auto bad = [&](const std::string& why) -> time_zone {
      throw config_error("rstreams: cron: time zone \"" + name + "\": " + why);
    };
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
      return bad("not a zone name (like \"Europe/Berlin\")");
    for (const char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
            c == '_' || c == '-' || c == '+'))
        return bad("not a zone name (like \"Europe/Berlin\")");
    const char* dir = std::getenv("TZDIR");
    const std::filesystem::path path =
        std::filesystem::path(dir != nullptr && *dir != 0 ? dir : "/usr/share/zoneinfo") / name;
    std::error_code ec;
    // A directory ("Europe/") opens as a stream and then throws from its first read.
    if (!std::filesystem::is_regular_file(path, ec))
      return bad("no such zone in the tz database (" + path.string() + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in) return bad("no such zone in the tz database (" + path.string() + ")");
    std::string data;
    try {
      data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception& e) {
      return bad("cannot read " + path.string() + ": " + e.what());
    }
    time_zone z;
    if (!z.parse(data)) return bad("not a TZif file (" + path.string() + ")");
    return z;
  }

  /// Seconds east of UTC in force at `utc` (seconds since the epoch).
  [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const {
    const auto it = std::upper_bound(times_.begin(), times_.end(), utc);
    if (it == times_.begin()) return initial_;
    return offsets_[static_cast<std::size_t>(it - times_.begin()) - 1];
  }

  /// The transitions in [from, to]: (instant, offset before, offset after).
  struct transition {
    std::int64_t at;
    std::int32_t before, after;
  };
  [[nodiscard]] std::vector<transition> transitions(std::int64_t from, std::int64_t to) const {
    std::vector<transition> out;
    auto it = std::lower_bound(times_.begin(), times_.end(), from);
    for (; it != times_.end() && *it <= to; ++it) {
      const auto i = static_cast<std::size_t>(it - times_.begin());
      out.push_back({*it, i == 0 ? initial_ : offsets_[i - 1], offsets_[i]});
    }
    return out;
  }

 private:
  static std::int64_t be(const std::string& d, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(d[at + i]);
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }

  bool parse(const std::string& d) {
    if (d.size() < 44 || d.compare(0, 4, "TZif") != 0) return false;
    auto counts = [&](std::size_t at, std::size_t c[6]) {
      for (int i = 0; i < 6; ++i)
        c[i] = static_cast<std::size_t>(be(d, at + 20 + 4 * static_cast<std::size_t>(i), 4));
    };
    std::size_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    counts(0, c);
    std::size_t at = 44;
    std::size_t tsize = 4;
    if (d[4] >= '2') {  // skip the 32-bit block; read the 64-bit one
      at += c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
      if (d.size() < at + 44 || d.compare(at, 4, "TZif") != 0) return false;
      counts(at, c);
      at += 44;
      tsize = 8;
    }
    const std::size_t timecnt = c[3], typecnt = c[4];
    const std::size_t need =
        timecnt * tsize + timecnt + typecnt * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
    if (typecnt == 0 || d.size() < at + need) return false;
    std::vector<std::int32_t> type_off(typecnt);
    const std::size_t types_at = at + timecnt * tsize + timecnt;
    for (std::size_t i = 0; i < typecnt; ++i)
      type_off[i] = static_cast<std::int32_t>(be(d, types_at + i * 6, 4));
    initial_ = type_off[0];
    for (std::size_t i = 0; i < timecnt; ++i) {
      const auto idx = static_cast<unsigned char>(d[at + timecnt * tsize + i]);
      if (idx >= typecnt) return false;
      times_.push_back(be(d, at + i * tsize, tsize));
      offsets_.push_back(type_off[idx]);
    }
    if (tsize == 8) {
      const std::size_t footer = at + need;
      if (footer < d.size() && d[footer] == '\n') {
        const auto end = d.find('\n', footer + 1);
        if (end != std::string::npos) extend(std::string_view(d).substr(footer + 1, end - footer - 1));
      }
    }
    return true;
  }

  // The POSIX TZ rule of the footer ("CET-1CEST,M3.5.0,M10.5.0/3"): transitions from the year
  // after the table's last one up to 2200. Rules in other forms (Jn, n) leave the last offset.
  void extend(std::string_view tz) {
    std::size_t i = 0;
    auto name = [&]() -> bool {
      if (i < tz.size() && tz[i] == '<') {
        const auto close = tz.find('>', i);
        if (close == std::string_view::npos) return false;
        i = close + 1;
        return true;
      }
      const std::size_t s = i;
      while (i < tz.size() && ((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' && tz[i] <= 'z'))) ++i;
      return i > s;
    };
    auto hms = [&](std::int64_t& out) -> bool {  // [+-]h[h][:mm[:ss]]
      int sign = 1;
      if (i < tz.size() && (tz[i] == '+' || tz[i] == '-')) sign = tz[i++] == '-' ? -1 : 1;
      std::int64_t parts[3] = {0, 0, 0};
      for (int p = 0; p < 3; ++p) {
        if (p > 0) {
          if (i >= tz.size() || tz[i] != ':') break;
          ++i;
        }
        const std::size_t s = i;
        while (i < tz.size() && tz[i] >= '0' && tz[i] <= '9') parts[p] = parts[p] * 10 + (tz[i++] - '0');
        if (i == s) return false;
      }
      out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
      return true;
    };
    std::int64_t std_west = 0;
    if (!name() || !hms(std_west)) return;
    if (i == tz.size()) return;  // no daylight saving: the last offset holds
    if (!name()) return;
    std::int64_t dst_west = std_west - 3600;
    if (i < tz.size() && tz[i] != ',' && !hms(dst_west)) return;
    struct rule {
      unsigned m, w, d;
      std::int64_t time = 7200;
    };
    auto parse_rule = [&](rule& r) -> bool {
      if (i >= tz.size() || tz[i] != ',') return false;
      ++i;
      if (i >= tz.size() || tz[i] != 'M') return false;
      ++i;
      unsigned v[3] = {0, 0, 0};
      for (int p = 0; p < 3; ++p) {
        if (p > 0) {
          if (i >= tz.size() || tz[i] != '.') return false;
          ++i;
        }
        const std::size_t s = i;
        while (i < tz.size() && tz[i] >= '0' && tz[i] <= '9')
          v[p] = v[p] * 10 + static_cast<unsigned>(tz[i++] - '0');
        if (i == s) return false;
      }
      r = {v[0], v[1], v[2]};
      if (r.m < 1 || r.m > 12 || r.w < 1 || r.w > 5 || r.d > 6) return false;
      if (i < tz.size() && tz[i] == '/') {
        ++i;
        if (!hms(r.time)) return false;
      }
      return true;
    };
    rule start{}, end{};
    if (!parse_rule(start) || !parse_rule(end)) return;
    const auto std_off = static_cast<std::int32_t>(-std_west);
    const auto dst_off = static_cast<std::int32_t>(-dst_west);
    auto instant = [](int y, const rule& r, std::int32_t off_before) {
      using namespace std::chrono;
      const year_month ym{year{y}, month{r.m}};
      year_month_weekday ymw{ym.year(), ym.month(), weekday{r.d}[r.w]};
      const sys_days day =
          ymw.ok() ? sys_days{ymw}
                   : sys_days{year_month_weekday_last{ym.year(), ym.month(), weekday_last{weekday{r.d}}}};
      return day.time_since_epoch().count() * 86400 + r.time - off_before;
    };
    using namespace std::chrono;
    const std::int64_t last = times_.empty() ? std::numeric_limits<std::int64_t>::min() : times_.back();
    const int from =
        times_.empty() ? 1970 : int(year_month_day{floor<days>(sys_seconds{seconds{last}})}.year());
    std::vector<std::pair<std::int64_t, std::int32_t>> more;
    for (int y = from; y <= 2200; ++y) {
      more.emplace_back(instant(y, start, std_off), dst_off);
      more.emplace_back(instant(y, end, dst_off), std_off);
    }
    std::sort(more.begin(), more.end());
    for (const auto& [t, off] : more) {
      if (t <= last) continue;
      times_.push_back(t);
      offsets_.push_back(off);
    }
  }

  std::vector<std::int64_t> times_;
  std::vector<std::int32_t> offsets_;  // in force from times_[i]
  std::int32_t initial_ = 0;
};

}  // namespace rstreams::bus::detail
