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
