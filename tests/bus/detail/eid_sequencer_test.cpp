#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/eid.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
using rb::detail::eid_sequencer;

namespace {
constexpr std::int64_t t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

// Assigns `n` eids at clock `now`, checking each against make_eid and the one before.
std::vector<rb::eid_parts> assign(eid_sequencer& s, std::int64_t now, int n, std::string& last) {
  std::vector<rb::eid_parts> out;
  std::string eid = "reused capacity";
  for (int i = 0; i < n; ++i) {
    const rb::eid_parts p = s.next(now, eid);
    INFO(eid);
    REQUIRE(eid == rb::make_eid(p.ms, p.seq));
    REQUIRE(rb::parse_eid(eid) == p);
    if (!last.empty()) REQUIRE(last < eid);
    last = eid;
    out.push_back(p);
  }
  return out;
}
}  // namespace

TEST_CASE("eid_sequencer: the clock's ms, then the sequence within it", "[bus][eid_sequencer]") {
  eid_sequencer s;
  std::string last;
  const auto a = assign(s, t0, 3, last);
  REQUIRE(a[0] == rb::eid_parts{t0, 0});
  REQUIRE(a[2] == rb::eid_parts{t0, 2});
  const auto b = assign(s, t0 + 5, 1, last);  // the clock moved on: sequence restarts
  REQUIRE(b[0] == rb::eid_parts{t0 + 5, 0});
  REQUIRE(s.where().has_last);
  REQUIRE(s.where().last == rb::eid_parts{t0 + 5, 0});
}

TEST_CASE("eid_sequencer: a clock that goes back keeps the last ms", "[bus][eid_sequencer]") {
  eid_sequencer s;
  std::string last;
  assign(s, t0, 1, last);
  const auto back = assign(s, t0 - 60'000, 2, last);  // another minute, earlier
  REQUIRE(back[0] == rb::eid_parts{t0, 1});
  REQUIRE(back[1] == rb::eid_parts{t0, 2});
}

TEST_CASE("eid_sequencer: odometer carries and an exhausted sequence borrows the next ms",
          "[bus][eid_sequencer]") {
  eid_sequencer s;
  std::string last;
  s.continue_after({t0, 1'099'997});  // carries through several digits
  const auto c = assign(s, t0, 4, last);
  REQUIRE(c[3] == rb::eid_parts{t0, 1'100'001});
  s.continue_after({t0 + 59'999, rb::eid_max_seq - 1});  // the last ms of a minute
  last.clear();
  const auto d = assign(s, t0, 3, last);
  REQUIRE(d[0] == rb::eid_parts{t0 + 59'999, rb::eid_max_seq});
  REQUIRE(d[1] == rb::eid_parts{t0 + 60'000, 0});  // next ms, next minute's prefix
  REQUIRE(d[2] == rb::eid_parts{t0 + 60'000, 1});
}

TEST_CASE("eid_sequencer: restore and reset", "[bus][eid_sequencer]") {
  eid_sequencer s;
  std::string last;
  assign(s, t0, 2, last);
  const auto saved = s.where();
  assign(s, t0, 5, last);
  s.restore(saved);
  std::string eid;
  REQUIRE(s.next(t0, eid) == rb::eid_parts{t0, 2});
  s.reset();
  REQUIRE_FALSE(s.where().has_last);
  REQUIRE(s.next(t0 - 1, eid) == rb::eid_parts{t0 - 1, 0});
  REQUIRE(eid == rb::make_eid(t0 - 1, 0));
}

TEST_CASE("eid_sequencer: the stepped digits match make_eid through every carry, at any text length",
          "[bus][eid_sequencer]") {
  // 1970's first ms give eids shorter than 32 characters; the others 39 to 40.
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{5}, std::int64_t{99'999},
                                std::int64_t{999'999'999'999}, t0, std::int64_t{253'402'300'799'999}}) {
    CAPTURE(ms);
    eid_sequencer s;
    std::string last;
    assign(s, ms, 1234, last);  // 0..1233: carries at 9, 99 and 999
    s.continue_after({ms, 9'989});
    assign(s, ms, 25, last);  // through 9999 -> 10000
    s.continue_after({ms, 999'995});
    assign(s, ms, 10, last);  // six digits carry at once
    // A restore to a sequence that is not the next one writes every digit again.
    s.restore({true, rb::eid_parts{ms, 4'999'998}});
    assign(s, ms, 3, last);
  }
  // The eid's string was longer, then shorter, than the text: its size is set each time.
  eid_sequencer s;
  std::string eid(100, 'x');
  s.next(5, eid);
  REQUIRE(eid == rb::make_eid(5, 0));
  s.next(t0, eid);
  REQUIRE(eid == rb::make_eid(t0, 0));
  s.next(t0 + 1, eid);
  REQUIRE(eid == rb::make_eid(t0 + 1, 0));
}
