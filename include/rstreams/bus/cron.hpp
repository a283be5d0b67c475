#pragma once
// Six-field cron schedules with seconds, as RStreams bots use them:
//   "sec min hour day-of-month month day-of-week", evaluated in UTC.

#include <rstreams/core/error.hpp>

#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// A parsed cron expression. Each field takes `*` (or `?` in the day fields), a number, a
/// range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a comma list of these. Months accept
/// JAN-DEC, days of week SUN-SAT (0 and 7 are Sunday). When both day fields are restricted
/// a day matches either of them (as Vixie cron); otherwise both must match.
///
/// `cron_schedule("0 */5 * * * *")` fires at second 0 of every fifth minute.
/// A malformed expression throws config_error naming the field and the offending text.
class cron_schedule {
 public:
  using time_point = std::chrono::sys_seconds;

  explicit cron_schedule(std::string_view expression) : text_(expression) { parse(); }

  /// The expression as given.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

  /// True when the schedule fires at second `t` (UTC).
  [[nodiscard]] bool matches(time_point t) const {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return seconds_[static_cast<std::size_t>(hms.seconds().count())] &&
           minutes_[static_cast<std::size_t>(hms.minutes().count())] &&
           hours_[static_cast<std::size_t>(hms.hours().count())] && day_matches(day, ymd) &&
           months_[static_cast<unsigned>(ymd.month())];
  }

  /// The first firing time strictly after `after` (UTC, whole seconds), or nothing when the
  /// schedule never fires within the next eight years (e.g. "0 0 0 30 2 *").
  [[nodiscard]] std::optional<time_point> next(std::chrono::system_clock::time_point after) const {
    using namespace std::chrono;
    auto t = floor<seconds>(after) + seconds{1};
    const auto limit = t + days{366 * 8};
    while (t < limit) {
      auto day = floor<days>(t);
      const year_month_day ymd{day};
      if (!months_[static_cast<unsigned>(ymd.month())]) {
        // First day of the next month.
        const auto first_next = year_month_day{ymd.year() / ymd.month() / std::chrono::day{1}} + months{1};
        t = sys_days{first_next};
        continue;
      }
      if (!day_matches(day, ymd)) {
        t = day + days{1};
        continue;
      }
      const hh_mm_ss hms{t - day};
      if (!hours_[static_cast<std::size_t>(hms.hours().count())]) {
        t = floor<hours>(t) + hours{1};
        continue;
      }
      if (!minutes_[static_cast<std::size_t>(hms.minutes().count())]) {
        t = floor<minutes>(t) + minutes{1};
        continue;
      }
      if (!seconds_[static_cast<std::size_t>(hms.seconds().count())]) {
        t += seconds{1};
        continue;
      }
      return time_point{t};
    }
    return std::nullopt;
  }

 private:
  struct field_spec {
    const char* name;
    unsigned lo, hi;
  };
  static constexpr std::array<field_spec, 6> specs_{{{"seconds", 0, 59},
                                                     {"minutes", 0, 59},
                                                     {"hours", 0, 23},
                                                     {"day of month", 1, 31},
                                                     {"month", 1, 12},
                                                     {"day of week", 0, 7}}};

  [[noreturn]] void fail(std::size_t field, std::string_view part, const std::string& why) const {
    throw config_error("rstreams: cron \"" + text_ + "\": field " + std::to_string(field + 1) + " (" +
                       specs_[field].name + ") \"" + std::string(part) + "\": " + why);
  }

  static std::optional<unsigned> name_value(std::size_t field, std::string_view s) {
    static constexpr std::array<std::string_view, 12> month_names{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    static constexpr std::array<std::string_view, 7> day_names{"SUN", "MON", "TUE", "WED",
                                                               "THU", "FRI", "SAT"};
    if (s.size() != 3) return std::nullopt;
    std::string up(s);
    for (auto& c : up)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (field == 4)
      for (unsigned i = 0; i < 12; ++i)
        if (month_names[i] == up) return i + 1;
    if (field == 5)
      for (unsigned i = 0; i < 7; ++i)
        if (day_names[i] == up) return i;
    return std::nullopt;
  }

  unsigned value(std::size_t field, std::string_view part, std::string_view s) const {
    if (s.empty()) fail(field, part, "a number is missing");
    if (auto v = name_value(field, s)) return *v;
    unsigned v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') fail(field, part, "\"" + std::string(s) + "\" is not a number");
      v = v * 10 + static_cast<unsigned>(c - '0');
      if (v > 1000) break;
    }
    const auto& sp = specs_[field];
    if (v < sp.lo || v > sp.hi)
      fail(field, part,
           std::string(s) + " is outside " + std::to_string(sp.lo) + "-" + std::to_string(sp.hi));
    return v;
  }

  // Sets the allowed values of one field into `bits` (indexed by value).
  template <std::size_t N>
  bool parse_field(std::size_t field, std::string_view text, std::bitset<N>& bits) const {
    const auto& sp = specs_[field];
    bool wildcard = false;
    std::size_t from = 0;
    while (from <= text.size()) {
      auto comma = text.find(',', from);
      if (comma == std::string_view::npos) comma = text.size();
      const auto part = text.substr(from, comma - from);
      if (part.empty()) fail(field, text, "an empty list item");
      auto range = part;
      unsigned step = 1;
      if (const auto slash = part.find('/'); slash != std::string_view::npos) {
        range = part.substr(0, slash);
        const auto step_text = part.substr(slash + 1);
        if (step_text.empty()) fail(field, part, "the step after '/' is missing");
        step = 0;
        for (char c : step_text) {
          if (c < '0' || c > '9') fail(field, part, "the step must be a number");
          step = step * 10 + static_cast<unsigned>(c - '0');
          if (step > 1000) break;
        }
        if (step == 0) fail(field, part, "the step must be at least 1");
      }
      unsigned lo = sp.lo, hi = sp.hi;
      if (range == "*" || range == "?") {
        if (range == "?" && field != 3 && field != 5)
          fail(field, part, "'?' is allowed only in the day fields");
        if (step == 1 && text.size() == range.size()) wildcard = true;
      } else if (const auto dash = range.find('-'); dash != std::string_view::npos) {
        lo = value(field, part, range.substr(0, dash));
        hi = value(field, part, range.substr(dash + 1));
        if (lo > hi) fail(field, part, "the range runs backwards");
      } else {
        lo = value(field, part, range);
        // "a/n" runs from a to the end of the field, as in Vixie cron.
        hi = part.find('/') != std::string_view::npos ? sp.hi : lo;
      }
      for (unsigned v = lo; v <= hi; v += step) bits.set(field == 5 && v == 7 ? 0 : v);
      from = comma + 1;
    }
    return wildcard;
  }

  void parse() {
    std::vector<std::string_view> fields;
    const std::string_view t = text_;
    std::size_t i = 0;
    while (i < t.size()) {
      while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
      if (i == t.size()) break;
      const auto start = i;
      while (i < t.size() && t[i] != ' ' && t[i] != '\t') ++i;
      fields.push_back(t.substr(start, i - start));
    }
    if (fields.size() != 6)
      throw config_error("rstreams: cron \"" + text_ + "\": expected 6 fields (seconds minutes hours " +
                         "day-of-month month day-of-week), found " + std::to_string(fields.size()));
    parse_field(0, fields[0], seconds_);
    parse_field(1, fields[1], minutes_);
    parse_field(2, fields[2], hours_);
    dom_any_ = parse_field(3, fields[3], dom_);
    parse_field(4, fields[4], months_);
    dow_any_ = parse_field(5, fields[5], dow_);
  }

  [[nodiscard]] bool day_matches(std::chrono::sys_days day, const std::chrono::year_month_day& ymd) const {
    const bool dom = dom_[static_cast<unsigned>(ymd.day())];
    const bool dow = dow_[std::chrono::weekday{day}.c_encoding()];
    if (dom_any_ || dow_any_) return dom && dow;
    return dom || dow;
  }

  std::string text_;
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<32> dom_;
  std::bitset<13> months_;
  std::bitset<8> dow_;
  bool dom_any_ = false, dow_any_ = false;
};

}  // namespace rstreams::bus
