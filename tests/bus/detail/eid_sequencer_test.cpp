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

TEST_CASE("eid_sequencer::run gives the eids next gives, and commit leaves the sequencer after them",
          "[bus][eid_sequencer]") {
  // Each case: where the sequencer starts, the clock, and how many eids one run gives.
  struct start_at {
    bool has_last;
    rb::eid_parts last;
    std::int64_t now;
    int n;
  };
  const start_at cases[] = {
      {false, {}, t0, 1234},                                      // a new queue, carries at 9, 99, 999
      {true, {t0, 9'989}, t0, 25},                                // through 9999 -> 10000
      {true, {t0, 999'995}, t0, 10},                              // six digits carry at once
      {true, {t0 + 59'999, rb::eid_max_seq - 2}, t0, 5},          // the sequence exhausted mid-run
      {true, {t0 - 10, 7}, t0, 3},                                // the clock moved on: a new ms
      {true, {5, 3}, 5, 40},                                      // eids shorter than 32 characters
      {true, {253'402'300'799'999, 0}, 253'402'300'799'999, 12},  // the longest ms
  };
  for (const auto& c : cases) {
    CAPTURE(c.last.ms, c.last.seq, c.now);
    eid_sequencer by_next;
    eid_sequencer by_run;
    if (c.has_last) {
      by_next.continue_after(c.last);
      by_run.continue_after(c.last);
    }
    {
      eid_sequencer::run run(by_run);
      std::string a = "reused capacity";
      std::string b(100, 'x');
      for (int i = 0; i < c.n; ++i) {
        const auto p = by_next.next(c.now, a);
        REQUIRE(run.next(c.now, b) == p);
        REQUIRE(b == a);
      }
      run.commit();
    }
    REQUIRE(by_run.where().has_last);
    REQUIRE(by_run.where().last == by_next.where().last);
    // Both go on alike, by next or by a new run.
    std::string a;
    std::string b;
    REQUIRE(by_run.next(c.now, b) == by_next.next(c.now, a));
    REQUIRE(b == a);
    eid_sequencer::run again(by_run);
    REQUIRE(again.next(c.now, b) == by_next.next(c.now, a));
    REQUIRE(b == a);
  }
}

TEST_CASE("eid_sequencer::run without commit leaves the sequencer restorable", "[bus][eid_sequencer]") {
  eid_sequencer s;
  std::string last;
  assign(s, t0, 2, last);
  const auto saved = s.where();
  {
    eid_sequencer::run run(s);
    std::string eid;
    for (int i = 0; i < 20; ++i) run.next(t0, eid);
  }  // abandoned, as a batch that failed
  s.restore(saved);
  std::string eid;
  REQUIRE(s.next(t0, eid) == rb::eid_parts{t0, 2});
  REQUIRE(eid == rb::make_eid(t0, 2));
  REQUIRE(s.next(t0, eid) == rb::eid_parts{t0, 3});
  REQUIRE(eid == rb::make_eid(t0, 3));
}
