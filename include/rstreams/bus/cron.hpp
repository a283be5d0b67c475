#pragma once
// Six-field cron schedules with seconds, as RStreams bots use them:
//   "sec min hour day-of-month month day-of-week", in UTC or in a time zone of their own.

#include <rstreams/bus/detail/time_zone.hpp>
#include <rstreams/core/error.hpp>

#include <algorithm>

#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// A parsed cron expression. Each field takes `*` (or `?` in the day fields), a number, a
/// range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a comma list of these. Months accept
/// JAN-DEC, days of week SUN-SAT, in any case (0 and 7 are Sunday). The day rule is Vixie
/// cron's: when either day field starts with `*` (so `*/2` too), a day must match both; when
/// both are restricted, a day matches either. `@hourly`, `@daily` (`@midnight`), `@weekly`,
/// `@monthly`, `@yearly` (`@annually`) stand for their six-field forms.
///
/// Time zone: UTC unless given (`cron_schedule(expr, "Europe/Berlin")`, or a `CRON_TZ=zone `
/// or `TZ=zone ` prefix), read from the system tz database. Across daylight-saving changes it
/// behaves as Vixie cron documents: a job at a fixed time (no `*` in its minute or hour field)
/// whose time is skipped runs right after the change, and one whose time repeats runs once;
/// a job with `*` in its minute or hour field follows the clock (it runs in both copies of a
/// repeated hour, and not at skipped times).
///
/// `cron_schedule("0 */5 * * * *")` fires at second 0 of every fifth minute.
/// A malformed expression or an unknown zone throws config_error naming it.
class cron_schedule {
 public:
  using time_point = std::chrono::sys_seconds;

  explicit cron_schedule(std::string_view expression) : text_(expression) { parse(); }
  cron_schedule(std::string_view expression, std::string_view time_zone)
      : text_(expression), zone_name_(time_zone) {
    parse();
  }

  /// The expression as given.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  /// The time zone the schedule runs in ("UTC" unless given).
  [[nodiscard]] const std::string& time_zone() const noexcept { return zone_name_; }

  /// True when the schedule fires at second `t`.
  [[nodiscard]] bool matches(time_point t) const {
    if (zone_) return next(t - std::chrono::seconds{1}) == t;
    return matches_local(t);
  }

  /// The first firing time strictly after `after` (whole seconds), or nothing when the
  /// schedule never fires within the next eight years (e.g. "0 0 0 30 2 *").
  [[nodiscard]] std::optional<time_point> next(std::chrono::system_clock::time_point after) const {
    using namespace std::chrono;
    if (!zone_) return next_local(after);
    const std::int64_t a = floor<seconds>(after).time_since_epoch().count();
    // Times a DST change repeats lie up to 3 hours before the local time of `after`; start
    // there only when a change is near (every-second schedules would pay for it otherwise).
    const auto changes = zone_->transitions(a - 2 * 86400, a + 2 * 86400);
    const bool change_near = !changes.empty();
    std::int32_t max_off = std::max(zone_->offset_at(a - 2 * 86400), zone_->offset_at(a + 2 * 86400));
    for (const auto& c : changes) max_off = std::max({max_off, c.before, c.after});
    std::int64_t l = a + zone_->offset_at(a) - (change_near ? 3 * 3600 : 0);
    std::optional<std::int64_t> best;
    for (;;) {
      const auto cand = next_local(system_clock::time_point{seconds{l}});
      if (!cand) break;
      l = cand->time_since_epoch().count();
      if (best && l - max_off > *best) break;  // no later local time maps before `best`
      for (const std::int64_t u : instants(l))
        if (u > a && (!best || u < *best)) best = u;
      if (best && !change_near) break;
    }
    if (!best) return std::nullopt;
    return time_point{seconds{*best}};
  }

 private:
  // The UTC instants at which local time `l` happens in the zone, as the schedule runs at it:
  // none or the change itself for a skipped time, the first or both for a repeated one.
  [[nodiscard]] std::vector<std::int64_t> instants(std::int64_t l) const {
    std::vector<std::int64_t> out;
    const auto near = zone_->transitions(l - 2 * 86400, l + 2 * 86400);
    std::vector<std::int32_t> offs{zone_->offset_at(l - 2 * 86400), zone_->offset_at(l + 2 * 86400)};
    for (const auto& t : near) offs.push_back(t.after);
    std::sort(offs.begin(), offs.end());
    offs.erase(std::unique(offs.begin(), offs.end()), offs.end());
    for (const auto o : offs)
      if (zone_->offset_at(l - o) == o) out.push_back(l - o);
    std::sort(out.begin(), out.end());
    if (out.empty()) {
      if (!fixed_time_) return out;
      for (const auto& t : near)
        if (t.at + t.before <= l && l < t.at + t.after) out.push_back(t.at);  // skipped: at the change
      return out;
    }
    if (fixed_time_ && out.size() > 1)
      out.erase(out.begin() + 1, out.end());  // not resize: GCC 12 -O3 -Warray-bounds
    return out;
  }

  /// True when the schedule fires at `t` read as a local time.
  [[nodiscard]] bool matches_local(time_point t) const {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return seconds_[static_cast<std::size_t>(hms.seconds().count())] &&
           minutes_[static_cast<std::size_t>(hms.minutes().count())] &&
           hours_[static_cast<std::size_t>(hms.hours().count())] && day_matches(day, ymd) &&
           months_[static_cast<unsigned>(ymd.month())];
  }

  /// The first local time strictly after `after` (read as local) at which the fields match.
  [[nodiscard]] std::optional<time_point> next_local(std::chrono::system_clock::time_point after) const {
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
        if (from == 0) wildcard = true;  // Vixie: the field starts with '*'

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
    std::string_view t = text_;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    for (const std::string_view prefix : {std::string_view("CRON_TZ="), std::string_view("TZ=")}) {
      if (t.substr(0, prefix.size()) != prefix) continue;
      t.remove_prefix(prefix.size());
      const auto space = t.find_first_of(" \t");
      zone_name_ = std::string(t.substr(0, space));
      t = space == std::string_view::npos ? std::string_view() : t.substr(space + 1);
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      break;
    }
    if (zone_name_.empty()) zone_name_ = "UTC";
    if (zone_name_ != "UTC")
      zone_ = std::make_shared<const detail::time_zone>(detail::time_zone::load(zone_name_));
    if (!t.empty() && t.front() == '@') {
      static constexpr std::pair<std::string_view, std::string_view> macros[] = {
          {"@hourly", "0 0 * * * *"},  {"@daily", "0 0 0 * * *"},   {"@midnight", "0 0 0 * * *"},
          {"@weekly", "0 0 0 * * 0"},  {"@monthly", "0 0 0 1 * *"}, {"@yearly", "0 0 0 1 1 *"},
          {"@annually", "0 0 0 1 1 *"}};
      auto word = t.substr(0, t.find_first_of(" \t"));
      const auto rest = t.substr(word.size());
      if (rest.find_first_not_of(" \t") != std::string_view::npos)
        throw config_error("rstreams: cron \"" + text_ + "\": nothing may follow " + std::string(word));
      for (const auto& [name, expansion] : macros)
        if (name == word) {
          parse_fields(expansion);
          return;
        }
      throw config_error("rstreams: cron \"" + text_ + "\": unknown " + std::string(word) +
                         " (use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)");
    }
    parse_fields(t);
  }

  void parse_fields(std::string_view t) {
    std::vector<std::string_view> fields;
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
    const bool minute_star = parse_field(1, fields[1], minutes_);
    const bool hour_star = parse_field(2, fields[2], hours_);
    fixed_time_ = !minute_star && !hour_star;
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
  bool fixed_time_ = true;  // no '*' in the minute or hour field (Vixie's DST rule)
  std::string zone_name_;
  std::shared_ptr<const detail::time_zone> zone_;  // null: UTC
};

}  // namespace rstreams::bus
