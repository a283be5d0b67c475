#include <rstreams/bus/cron.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <string>
#include <type_traits>

namespace rb = rstreams::bus;
using namespace std::chrono;

static_assert(std::is_copy_constructible_v<rb::cron_schedule>);
static_assert(!std::is_convertible_v<const char*, rb::cron_schedule>, "explicit construction only");

namespace {
sys_seconds at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}
std::string cron_error(const char* expr) {
  try {
    rb::cron_schedule c(expr);
  } catch (const rstreams::config_error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("cron: every field takes numbers, ranges, steps and lists", "[bus][cron]") {
  const rb::cron_schedule c("0,30 */15 9-17 * * MON-FRI");
  REQUIRE(c.matches(at(2024, 3, 18, 9, 0, 0)));  // Monday
  REQUIRE(c.matches(at(2024, 3, 18, 17, 45, 30)));
  REQUIRE_FALSE(c.matches(at(2024, 3, 18, 17, 46, 0)));
  REQUIRE_FALSE(c.matches(at(2024, 3, 18, 18, 0, 0)));
  REQUIRE_FALSE(c.matches(at(2024, 3, 17, 9, 0, 0)));  // Sunday
  REQUIRE_FALSE(c.matches(at(2024, 3, 18, 9, 0, 15)));
}

TEST_CASE("cron: next finds the first firing strictly after a time", "[bus][cron]") {
  const rb::cron_schedule every5s("*/5 * * * * *");
  REQUIRE(every5s.next(at(2024, 1, 1, 0, 0, 0)) == at(2024, 1, 1, 0, 0, 5));
  REQUIRE(every5s.next(at(2024, 1, 1, 0, 0, 3) + milliseconds{500}) == at(2024, 1, 1, 0, 0, 5));
  REQUIRE(every5s.next(at(2024, 1, 1, 23, 59, 55)) == at(2024, 1, 2, 0, 0, 0));

  const rb::cron_schedule nightly("0 30 2 * * *");
  REQUIRE(nightly.next(at(2024, 1, 31, 3, 0, 0)) == at(2024, 2, 1, 2, 30, 0));

  const rb::cron_schedule leap("0 0 12 29 FEB *");
  REQUIRE(leap.next(at(2024, 3, 1)) == at(2028, 2, 29, 12, 0, 0));

  const rb::cron_schedule year_end("59 59 23 31 DEC ?");
  REQUIRE(year_end.next(at(2024, 6, 1)) == at(2024, 12, 31, 23, 59, 59));
}

TEST_CASE("cron: both day fields restricted means either matches", "[bus][cron]") {
  const rb::cron_schedule c("0 0 0 1 * SUN");
  REQUIRE(c.matches(at(2024, 3, 1)));  // the 1st (a Friday)
  REQUIRE(c.matches(at(2024, 3, 3)));  // a Sunday
  REQUIRE_FALSE(c.matches(at(2024, 3, 4)));
  const rb::cron_schedule sunday7("0 0 0 * * 7");
  REQUIRE(sunday7.matches(at(2024, 3, 3)));
}

TEST_CASE("cron: a schedule that never fires has no next", "[bus][cron]") {
  const rb::cron_schedule never("0 0 0 30 2 *");
  REQUIRE_FALSE(never.next(at(2024, 1, 1)).has_value());
}

TEST_CASE("cron: malformed expressions name the field and the text", "[bus][cron]") {
  REQUIRE(cron_error("* * * * *") ==
          "rstreams: cron \"* * * * *\": expected 6 fields (seconds minutes hours day-of-month month "
          "day-of-week), "
          "found 5");
  REQUIRE(cron_error("0 0 25 * * *") ==
          "rstreams: cron \"0 0 25 * * *\": field 3 (hours) \"25\": 25 is outside 0-23");
  REQUIRE(cron_error("0 */0 * * * *") ==
          "rstreams: cron \"0 */0 * * * *\": field 2 (minutes) \"*/0\": the step must be at least 1");
  REQUIRE(cron_error("0 0 0 * FOO *") ==
          "rstreams: cron \"0 0 0 * FOO *\": field 5 (month) \"FOO\": \"FOO\" is not a number");
  REQUIRE(cron_error("0 5-1 * * * *") ==
          "rstreams: cron \"0 5-1 * * * *\": field 2 (minutes) \"5-1\": the range runs backwards");
  REQUIRE(cron_error("? * * * * *") ==
          "rstreams: cron \"? * * * * *\": field 1 (seconds) \"?\": '?' is allowed only in the day fields");
  REQUIRE(cron_error("0 1,,2 * * * *") ==
          "rstreams: cron \"0 1,,2 * * * *\": field 2 (minutes) \"1,,2\": an empty list item");
}

TEST_CASE("cron: the Vixie star rule: a day field starting with '*' makes a day match both", "[bus][cron]") {
  // "*/2" starts with '*': Vixie cron (and cronie) then require both day fields, so this is
  // "odd days that are Mondays". 2024-03-04 and 2024-03-18 are Mondays on even days, 2024-03-11 odd.
  const rb::cron_schedule star("0 0 0 */2 * MON");
  REQUIRE_FALSE(star.matches(at(2024, 3, 4)));
  REQUIRE_FALSE(star.matches(at(2024, 3, 5)));  // odd, a Tuesday
  REQUIRE(star.matches(at(2024, 3, 11)));
  REQUIRE(star.next(at(2024, 3, 1)) == at(2024, 3, 11));
  // The same days written without a leading '*' are restricted: either field matches.
  const rb::cron_schedule both("0 0 0 1-31/2 * MON");
  REQUIRE(both.matches(at(2024, 3, 4)));
  REQUIRE(both.matches(at(2024, 3, 5)));
  // A plain '*' in one field: only the other applies.
  REQUIRE(rb::cron_schedule("0 0 0 * * MON").next(at(2024, 3, 5)) == at(2024, 3, 11));
  REQUIRE(rb::cron_schedule("0 0 0 5 * *").next(at(2024, 3, 6)) == at(2024, 4, 5));
}

TEST_CASE("cron: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually", "[bus][cron]") {
  const auto t = at(2024, 3, 13, 10, 20, 30);  // a Wednesday
  REQUIRE(rb::cron_schedule("@hourly").next(t) == at(2024, 3, 13, 11));
  REQUIRE(rb::cron_schedule("@daily").next(t) == at(2024, 3, 14));
  REQUIRE(rb::cron_schedule("@midnight").next(t) == at(2024, 3, 14));
  REQUIRE(rb::cron_schedule("@weekly").next(t) == at(2024, 3, 17));  // Sunday
  REQUIRE(rb::cron_schedule("@monthly").next(t) == at(2024, 4, 1));
  REQUIRE(rb::cron_schedule("@yearly").next(t) == at(2025, 1, 1));
  REQUIRE(rb::cron_schedule("@annually").next(t) == at(2025, 1, 1));
  REQUIRE_THAT(cron_error("@often"), Catch::Contains("@often") && Catch::Contains("@hourly"));
}

TEST_CASE("cron: month and day names, any case, in ranges and lists", "[bus][cron]") {
  const rb::cron_schedule c("0 0 9 * jan-Mar,DEC mon-fri");
  REQUIRE(c.matches(at(2024, 3, 13, 9)));
  REQUIRE_FALSE(c.matches(at(2024, 3, 16, 9)));  // Saturday
  REQUIRE_FALSE(c.matches(at(2024, 4, 15, 9)));  // April
  REQUIRE(c.matches(at(2024, 12, 2, 9)));
}

TEST_CASE("cron: a time zone per schedule, across daylight-saving changes as Vixie cron", "[bus][cron]") {
  // Europe/Berlin: 2024-03-31 01:00Z clocks go 02:00 -> 03:00; 2024-10-27 01:00Z 03:00 -> 02:00.
  const rb::cron_schedule fixed("0 30 2 * * *", "Europe/Berlin");
  REQUIRE(fixed.time_zone() == "Europe/Berlin");
  REQUIRE(fixed.next(at(2024, 3, 28, 12)) == at(2024, 3, 29, 1, 30));  // 02:30 CET
  REQUIRE(fixed.next(at(2024, 7, 1, 12)) == at(2024, 7, 2, 0, 30));    // 02:30 CEST
  // 02:30 does not exist on 2024-03-31: a job at a fixed time runs right after the change.
  REQUIRE(fixed.next(at(2024, 3, 30, 12)) == at(2024, 3, 31, 1, 0));
  // 02:30 happens twice on 2024-10-27: a job at a fixed time runs once, the first time.
  REQUIRE(fixed.next(at(2024, 10, 26, 12)) == at(2024, 10, 27, 0, 30));
  REQUIRE(fixed.next(at(2024, 10, 27, 0, 30)) == at(2024, 10, 28, 1, 30));
  // A job with '*' in the minute or hour follows the clock: in both hours of the repeat,
  // and not at the skipped times.
  const rb::cron_schedule every("0 */30 * * * *", "Europe/Berlin");
  REQUIRE(every.next(at(2024, 10, 27, 0, 0)) == at(2024, 10, 27, 0, 30));
  REQUIRE(every.next(at(2024, 10, 27, 0, 30)) == at(2024, 10, 27, 1, 0));
  REQUIRE(every.next(at(2024, 10, 27, 1, 0)) == at(2024, 10, 27, 1, 30));
  REQUIRE(every.next(at(2024, 3, 31, 0, 30)) == at(2024, 3, 31, 1, 0));  // 01:30 CET -> 03:00 CEST
  REQUIRE(every.matches(at(2024, 3, 31, 1, 0)));
  // The CRON_TZ= prefix (cronie) says the same; far beyond the zone file's table the rule holds.
  const rb::cron_schedule prefixed("CRON_TZ=America/New_York 0 0 9 * * *");
  REQUIRE(prefixed.next(at(2024, 1, 10)) == at(2024, 1, 10, 14));  // EST, UTC-5
  REQUIRE(prefixed.next(at(2024, 7, 10)) == at(2024, 7, 10, 13));  // EDT, UTC-4
  REQUIRE(prefixed.next(at(2060, 7, 10)) == at(2060, 7, 10, 13));
  REQUIRE(prefixed.next(at(2060, 1, 10)) == at(2060, 1, 10, 14));
  REQUIRE_THROWS_WITH(rb::cron_schedule("0 0 0 * * *", "Mars/Olympus"),
                      Catch::Contains("Mars/Olympus") && Catch::Contains("time zone"));
  REQUIRE_THROWS_AS(rb::cron_schedule("0 0 0 * * *", "../../etc/passwd"), rstreams::config_error);
  // Found by tests/fuzz/cron_fuzz.cpp: a zone name that is a directory of the database
  // escaped as std::ios_failure (reading a directory) instead of a config_error.
  REQUIRE_THROWS_WITH(rb::cron_schedule("CRON_TZ=Europe/ 8 * * *"), Catch::Contains("time zone \"Europe/\""));
  REQUIRE_THROWS_AS(rb::cron_schedule("0 0 0 * * *", "America"), rstreams::config_error);
}
