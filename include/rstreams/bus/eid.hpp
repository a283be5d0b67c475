#pragma once
// Event ids in RStreams' format, `z/YYYY/MM/DD/HH/mm/<ms>-<7-digit seq>` (UTC): text order is
// time order, and any prefix of an eid is a read position ("z/2024/03/" = from March 2024 on).

#include <rstreams/core/error.hpp>

#include <fmt/format.h>

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus {

/// A text that is not an eid (or not a prefix of one). `what()` quotes the text and names the
/// 0-based position of the first offending character.
class eid_error : public rstreams::error {
 public:
  eid_error(std::string text, std::size_t position, const std::string& reason)
      : error("rstreams: malformed eid \"" + text + "\" at position " + std::to_string(position) + ": " +
              reason),
        text_(std::move(text)),
        position_(position) {}
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] std::size_t position() const noexcept { return position_; }

 private:
  std::string text_;
  std::size_t position_;
};

/// How much of an eid `eid_from_time` writes, named as the SDK's granularities (`day` is its
/// "date"): a prefix ending after that field, or (`second`, `millisecond`, `full`) the ms time.
enum class eid_granularity { year, month, day, hour, minute, second, millisecond, full };

/// The largest sequence number (7 digits).
inline constexpr std::uint32_t eid_max_seq = 9'999'999;

/// A full eid read back: its ms time (UTC epoch) and its sequence number within that ms.
struct eid_parts {
  std::int64_t ms = 0;
  std::uint32_t seq = 0;
  friend auto operator<=>(const eid_parts&, const eid_parts&) = default;
};

namespace detail {

struct eid_civil {
  int year;
  unsigned month, day, hour, minute;
};

inline eid_civil eid_civil_from_ms(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{ms}};
  const auto day_start = floor<days>(tp);
  const year_month_day ymd{day_start};
  const auto in_day = duration_cast<minutes>(tp - day_start).count();
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(in_day / 60), static_cast<unsigned>(in_day % 60)};
}

inline std::int64_t eid_ms_from_civil(int y, unsigned mo, unsigned d, unsigned h, unsigned mi) {
  using namespace std::chrono;
  const sys_days day{year{y} / month{mo} / std::chrono::day{d}};
  return duration_cast<milliseconds>(day.time_since_epoch()).count() +
         (static_cast<std::int64_t>(h) * 60 + static_cast<std::int64_t>(mi)) * 60'000;
}

inline void eid_append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

// Field layout of "z/YYYY/MM/DD/HH/mm/": start offset and width of each numeric field.
struct eid_field {
  std::size_t at;
  std::size_t width;
  unsigned lo, hi;
  const char* name;
};
inline constexpr eid_field eid_fields[] = {{2, 4, 0, 9999, "year"},
                                           {7, 2, 1, 12, "month"},
                                           {10, 2, 1, 31, "day"},
                                           {13, 2, 0, 23, "hour"},
                                           {16, 2, 0, 59, "minute"}};
inline constexpr std::size_t eid_ms_at = 19;  // first digit of the ms field
inline constexpr std::size_t eid_ms_max_digits = 16;

inline bool eid_is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

inline unsigned eid_field_value(std::string_view t, const eid_field& f) {
  unsigned v = 0;
  for (std::size_t i = 0; i < f.width; ++i) v = v * 10 + static_cast<unsigned>(t[f.at + i] - '0');
  return v;
}

// What a valid prefix holds once checked.
struct eid_scan {
  std::size_t fields = 0;      // complete date fields (0-5)
  bool partial_field = false;  // a date field started but incomplete
  std::size_t ms_digits = 0;   // digits of the ms field seen
  bool has_dash = false;
  std::size_t seq_digits = 0;
  std::int64_t ms = 0;  // the ms field's value (of the digits seen)
  std::uint32_t seq = 0;
};

// Checks that `t` is a prefix of an eid; throws eid_error naming the first bad character.
inline eid_scan eid_check_prefix(std::string_view t) {
  eid_scan s;
  const auto fail = [&](std::size_t pos, const std::string& why) -> void {
    throw eid_error(std::string(t), pos, why);
  };
  if (t.empty()) return s;
  if (t[0] != 'z') fail(0, "an eid starts with \"z/\"");
  if (t.size() > 1 && t[1] != '/') fail(1, "an eid starts with \"z/\"");
  for (const auto& f : eid_fields) {
    if (t.size() <= f.at) return s;
    const auto end = f.at + f.width;
    for (std::size_t i = f.at; i < end && i < t.size(); ++i)
      if (!eid_is_digit(t[i]))
        fail(i, std::string("the ") + f.name + " must be " + std::to_string(f.width) + " digits");
    if (t.size() < end) {
      s.partial_field = true;
      return s;
    }
    const auto v = eid_field_value(t, f);
    if (v < f.lo || v > f.hi)
      fail(f.at, std::string("the ") + f.name + " must be between " + std::to_string(f.lo) + " and " +
                     std::to_string(f.hi));
    ++s.fields;
    if (s.fields == 3) {
      const std::chrono::year_month_day ymd{
          std::chrono::year{static_cast<int>(eid_field_value(t, eid_fields[0]))},
          std::chrono::month{eid_field_value(t, eid_fields[1])}, std::chrono::day{v}};
      if (!ymd.ok()) fail(f.at, "there is no such day in that month");
    }
    if (t.size() == end) return s;
    if (t[end] != '/') fail(end, "expected '/' after the " + std::string(f.name));
  }
  std::size_t i = eid_ms_at;
  for (; i < t.size() && eid_is_digit(t[i]); ++i) {
    if (++s.ms_digits > eid_ms_max_digits) fail(i, "the ms time has too many digits");
    // Eids compare as text: "0171…" would sort apart from the "171…" it means.
    if (s.ms_digits == 2 && s.ms == 0) fail(i - 1, "the ms time has a leading zero");
    s.ms = s.ms * 10 + (t[i] - '0');
  }
  if (i == t.size()) return s;
  if (t[i] != '-') fail(i, "expected digits of the ms time or '-' before the sequence");
  if (s.ms_digits == 0) fail(i, "the ms time is missing");
  s.has_dash = true;
  for (++i; i < t.size(); ++i) {
    if (!eid_is_digit(t[i])) fail(i, "the sequence must be 7 digits");
    if (++s.seq_digits > 7) fail(i, "text after the 7-digit sequence");
    s.seq = s.seq * 10 + static_cast<std::uint32_t>(t[i] - '0');
  }
  if (s.has_dash) {
    // The date fields must be those of the ms time.
    const auto c = eid_civil_from_ms(s.ms);
    const unsigned want[] = {static_cast<unsigned>(c.year), c.month, c.day, c.hour, c.minute};
    for (std::size_t k = 0; k < 5; ++k)
      if (eid_field_value(t, eid_fields[k]) != want[k])
        fail(eid_fields[k].at, std::string("the ") + eid_fields[k].name + " does not match the ms time " +
                                   std::to_string(s.ms));
  }
  return s;
}

}  // namespace detail

/// The full eid of `ms` (UTC epoch milliseconds) and sequence `seq`.
/// Throws config_error when ms is outside years 1970-9999 or seq has more than 7 digits.
inline std::string make_eid(std::int64_t ms, std::uint32_t seq = 0) {
  if (ms < 0 || ms >= 253'402'300'800'000)  // years 1970-9999
    throw config_error("rstreams: make_eid: time " + std::to_string(ms) + " ms is outside 1970-9999");
  if (seq > eid_max_seq)
    throw config_error("rstreams: make_eid: sequence " + std::to_string(seq) + " has more than 7 digits");
  const auto c = detail::eid_civil_from_ms(ms);
  std::string out;
  out.reserve(36);
  out += "z/";
  detail::eid_append_padded(out, static_cast<std::uint64_t>(c.year), 4);
  out.push_back('/');
  detail::eid_append_padded(out, c.month, 2);
  out.push_back('/');
  detail::eid_append_padded(out, c.day, 2);
  out.push_back('/');
  detail::eid_append_padded(out, c.hour, 2);
  out.push_back('/');
  detail::eid_append_padded(out, c.minute, 2);
  out.push_back('/');
  detail::eid_append_padded(out, static_cast<std::uint64_t>(ms), 1);
  out.push_back('-');
  detail::eid_append_padded(out, seq, 7);
  return out;
}

/// The eid (or eid prefix) of a time at a granularity, exactly as the RStreams SDK's
/// eventIdFromTimestamp(ms, granularity, record): `year` gives "z/2024/", `day` (the SDK's
/// "date") "z/2024/03/16/", `minute` "z/2024/03/16/06/59/", `second` adds the ms time rounded
/// down to its second ("z/…/59/1710572340000"), `millisecond` and `full` add the ms time and,
/// when `record` is given, "-<7-digit record>". Without a record the text sorts before every
/// eid of that ms, so as a read start it includes them all. `record` is ignored by the coarser
/// granularities, as in the SDK. Throws config_error outside 1970-9999 or for a record of more
/// than 7 digits (the SDK keeps its last 7 digits).
inline std::string eid_from_time(std::int64_t ms, eid_granularity g = eid_granularity::full,
                                 std::optional<std::uint32_t> record = std::nullopt) {
  auto full = make_eid(ms, record.value_or(0));
  switch (g) {
    case eid_granularity::year:
      return full.substr(0, 7);
    case eid_granularity::month:
      return full.substr(0, 10);
    case eid_granularity::day:
      return full.substr(0, 13);
    case eid_granularity::hour:
      return full.substr(0, 16);
    case eid_granularity::minute:
      return full.substr(0, 19);
    case eid_granularity::second:
      full.resize(detail::eid_ms_at);
      detail::eid_append_padded(full, static_cast<std::uint64_t>(ms - ms % 1000), 1);
      return full;
    case eid_granularity::millisecond:
    case eid_granularity::full:
      break;
  }
  if (!record) full.resize(full.find('-', detail::eid_ms_at));
  return full;
}

/// As above, from a system_clock time.
inline std::string eid_from_time(std::chrono::system_clock::time_point tp,
                                 eid_granularity g = eid_granularity::full,
                                 std::optional<std::uint32_t> record = std::nullopt) {
  return eid_from_time(std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count(),
                       g, record);
}

/// True when `text` is a complete, well-formed eid (the date matches the ms time).
inline bool is_full_eid(std::string_view text) noexcept {
  try {
    const auto s = detail::eid_check_prefix(text);
    return s.seq_digits == 7;
  } catch (const eid_error&) {
    return false;
  }
}

/// Throws eid_error unless `position` is "" or a prefix of a well-formed eid.
inline void validate_position(std::string_view position) {
  (void)detail::eid_check_prefix(position);
}

/// Reads a full eid; throws eid_error naming the offending position otherwise.
inline eid_parts parse_eid(std::string_view text) {
  const auto s = detail::eid_check_prefix(text);
  if (s.seq_digits != 7)
    throw eid_error(std::string(text), text.size(),
                    "incomplete eid (expected z/YYYY/MM/DD/HH/mm/<ms>-<7-digit seq>)");
  return {s.ms, s.seq};
}

namespace detail {

// The earliest ms time an eid starting with `text` (checked as `s`) can have: an incomplete
// field reads as its smallest completion, a partial ms time is padded to 13 digits but never
// before the minute the date names.
inline std::int64_t eid_floor_ms(std::string_view text, const eid_scan& s) {
  if (s.has_dash) return s.ms;
  unsigned v[5] = {1970, 1, 1, 0, 0};
  for (std::size_t k = 0; k < s.fields; ++k) v[k] = eid_field_value(text, eid_fields[k]);
  if (s.fields == 0 && s.partial_field) {
    unsigned y = 0;
    std::size_t n = 0;
    for (std::size_t i = 2; i < text.size(); ++i, ++n) y = y * 10 + static_cast<unsigned>(text[i] - '0');
    for (; n < 4; ++n) y *= 10;
    v[0] = y;
  }
  auto start = eid_ms_from_civil(static_cast<int>(v[0]), v[1], v[2], v[3], v[4]);
  if (s.ms_digits > 0) {
    auto padded = s.ms;
    for (auto n = s.ms_digits; n < 13; ++n) padded *= 10;
    if (padded > start) start = padded;
  }
  return start < 0 ? 0 : start;
}

}  // namespace detail

/// The time an eid or eid prefix stands for, as the RStreams SDK's eventIdToTimestamp: the ms
/// field when it holds more than 10000 (even a partial one: "z/…/19/16236" reads as 16236),
/// otherwise the start of the date the complete fields name ("z/2024/03/" gives
/// 2024-03-01T00:00Z). Throws eid_error where the SDK throws or yields NaN: text without a year
/// ("", "z/"), an incomplete field, a date that does not exist. It is stricter than the SDK on
/// text that is not an eid prefix at all (one-digit months, date fields that contradict the ms
/// time, a missing ms time before '-'), which the SDK reads loosely.
inline std::int64_t eid_to_ms(std::string_view text) {
  const auto s = detail::eid_check_prefix(text);
  if (s.ms_digits > 0 && s.ms > 10'000) return s.ms;
  if (s.partial_field || s.fields == 0)
    throw eid_error(std::string(text), text.size(),
                    s.fields == 0 && !s.partial_field
                        ? "no date to read a time from"
                        : std::string("incomplete ") + detail::eid_fields[s.fields].name);
  unsigned v[5] = {1970, 1, 1, 0, 0};
  for (std::size_t k = 0; k < s.fields; ++k) v[k] = detail::eid_field_value(text, detail::eid_fields[k]);
  return detail::eid_ms_from_civil(static_cast<int>(v[0]), v[1], v[2], v[3], v[4]);
}

/// The position just before `text` (a full eid or a prefix), so that reading after it starts
/// *at* `text`, as RStreams' previousEventId. Always a full eid, or "" (from the beginning).
inline std::string previous(std::string_view text) {
  const auto s = detail::eid_check_prefix(text);
  if (s.seq_digits == 7) {
    if (s.seq > 0) return make_eid(s.ms, s.seq - 1);
    return s.ms > 0 ? make_eid(s.ms - 1, eid_max_seq) : std::string{};
  }
  if (s.fields == 0 && !s.partial_field) return {};  // "", "z", "z/"
  const auto ms = detail::eid_floor_ms(text, s);
  return ms > 0 ? make_eid(ms - 1, eid_max_seq) : std::string{};
}

/// The text of a parsed eid.
inline std::string to_string(const eid_parts& p) {
  return make_eid(p.ms, p.seq);
}

}  // namespace rstreams::bus

/// `{}` prints the eid text; `{:t}` prints its UTC time and sequence ("2021-06-14T17:19:11.425Z#13").
template <>
struct fmt::formatter<rstreams::bus::eid_parts> {
  bool time_ = false;
  constexpr auto parse(fmt::format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 't') {
      time_ = true;
      ++it;
    }
    if (it != ctx.end() && *it != '}') throw fmt::format_error("rstreams: eid format spec is {} or {:t}");
    return it;
  }
  template <class Ctx>
  auto format(const rstreams::bus::eid_parts& p, Ctx& ctx) const {
    if (!time_) return fmt::format_to(ctx.out(), "{}", rstreams::bus::to_string(p));
    const auto c = rstreams::bus::detail::eid_civil_from_ms(p.ms);
    const auto in_minute = p.ms % 60'000;
    return fmt::format_to(ctx.out(), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z#{}", c.year, c.month, c.day,
                          c.hour, c.minute, in_minute / 1000, in_minute % 1000, p.seq);
  }
};
