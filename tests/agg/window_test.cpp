#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/window.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace {

struct ev {
  std::string user;
  std::int64_t t_ms;
};
auto event_time_of = [](const ev& e) { return milliseconds(e.t_ms); };
auto user = [](const ev& e) { return e.user; };
using result = rs::window_result<std::string, std::uint64_t>;

result r(std::string k, std::int64_t start_ms, std::int64_t end_ms, std::uint64_t n, bool late = false) {
  return {std::move(k), milliseconds(start_ms), milliseconds(end_ms), n, late};
}

template <class P>
auto run_at(P&& p, rs::manual_clock& clock) {
  return rs::run(std::forward<P>(p), rs::run_context{{}, &clock});
}

using counted = decltype(std::vector<ev>{} | rs::key_by(user) |
                         rs::window(rs::tumbling(10ms), rs::counting()));

}  // namespace

static_assert(rs::source_of<counted, result>);
static_assert(rs::source_of<decltype(rs::iota(0, 9) | rs::window(rs::tumbling(3), rs::counting())),
                            rs::window_result<rs::no_key, std::uint64_t, std::uint64_t>>);
static_assert(
    rs::stage<decltype(rs::window(rs::session(1s), rs::counting(), rs::event_time(event_time_of)))>);

TEST_CASE("tumbling event-time windows per key fire as the watermark passes their end", "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"a", 5}, {"b", 7}, {"a", 12}, {"b", 25}};
  const auto out = rs::run(in | rs::key_by(user) |
                           rs::window(rs::tumbling(10ms), rs::counting(), rs::event_time(event_time_of)) |
                           agg_test::collect());
  REQUIRE(out ==
          std::vector<result>{r("a", 0, 10, 2), r("b", 0, 10, 1), r("a", 10, 20, 1), r("b", 20, 30, 1)});
}

TEST_CASE("out-of-order events within the bound land in their window; later ones go to the side sink",
          "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"a", 12}, {"a", 8}, {"a", 16}, {"a", 3}, {"a", 14}};
  std::vector<std::int64_t> late;
  rs::agg_counters c;
  const auto cfg =
      rs::event_time(event_time_of).out_of_orderness(5ms).on_late([&](const rs::keyed<std::string, ev>& x) {
        late.push_back(x.value.t_ms);
      });
  const auto out =
      rs::run(in | rs::key_by(user) | rs::window(rs::tumbling(10ms), rs::counting(), cfg.counters(&c)) |
              agg_test::collect());
  // 16 moves the watermark to 11: [0,10) fires with 1 and 8; 3 is then late.
  REQUIRE(out == std::vector<result>{r("a", 0, 10, 2), r("a", 10, 20, 3)});
  REQUIRE(late == std::vector<std::int64_t>{3});
  REQUIRE(c.late == 1);
  REQUIRE(c.elements == 6);
  REQUIRE(c.fired == 2);
}

TEST_CASE("allowed lateness re-emits an updated window, then late events are dropped", "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"a", 12}, {"a", 5}, {"a", 25}, {"a", 4}, {"a", 27}};
  rs::agg_counters c;
  const auto out = rs::run(in | rs::key_by(user) |
                           rs::window(rs::tumbling(10ms), rs::counting(),
                                      rs::event_time(event_time_of).allowed_lateness(10ms).counters(&c)) |
                           agg_test::collect());
  REQUIRE(out == std::vector<result>{r("a", 0, 10, 1), r("a", 0, 10, 2, true), r("a", 10, 20, 1),
                                     r("a", 20, 30, 2)});
  REQUIRE(c.late == 1);
}

TEST_CASE("sliding event-time windows merge panes", "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"a", 6}, {"a", 12}};
  const auto out = rs::run(in | rs::key_by(user) |
                           rs::window(rs::sliding(10ms, 5ms), rs::counting(), rs::event_time(event_time_of)) |
                           agg_test::collect());
  REQUIRE(out ==
          std::vector<result>{r("a", -5, 5, 1), r("a", 0, 10, 2), r("a", 5, 15, 2), r("a", 10, 20, 1)});
}

TEST_CASE("sliding windows by time over an unkeyed stream with a sum", "[agg][window]") {
  const std::vector<ev> in{{"x", 0}, {"y", 3}, {"z", 4}, {"w", 7}};
  auto sum_ms = rs::aggregate(
      std::int64_t{0}, [](std::int64_t s, const ev& e) { return s + e.t_ms; },
      [](std::int64_t a, std::int64_t b) { return a + b; });
  const auto out = rs::run(in | rs::window(rs::sliding(4ms, 2ms), sum_ms, rs::event_time(event_time_of)) |
                           agg_test::collect());
  using res = rs::window_result<rs::no_key, std::int64_t>;
  const auto w = [](std::int64_t s, std::int64_t v) {
    return res{{}, milliseconds(s), milliseconds(s + 4), v};
  };
  REQUIRE(out == std::vector<res>{w(-2, 0), w(0, 3), w(2, 7), w(4, 11), w(6, 7)});
}

TEST_CASE("session windows close after the gap and come out by end time", "[agg][window]") {
  const std::vector<ev> in{{"a", 0}, {"a", 5}, {"b", 3}, {"a", 30}};
  const auto out = rs::run(in | rs::key_by(user) |
                           rs::window(rs::session(10ms), rs::counting(), rs::event_time(event_time_of)) |
                           agg_test::collect());
  REQUIRE(out == std::vector<result>{r("b", 3, 13, 1), r("a", 0, 15, 2), r("a", 30, 40, 1)});
}

TEST_CASE("out-of-order events merge sessions that a gap had separated", "[agg][window]") {
  const std::vector<ev> in{{"a", 0}, {"a", 25}, {"a", 9}, {"a", 17}, {"a", 60}};
  const auto out = rs::run(
      in | rs::key_by(user) |
      rs::window(rs::session(10ms), rs::counting(), rs::event_time(event_time_of).out_of_orderness(20ms)) |
      agg_test::collect());
  REQUIRE(out == std::vector<result>{r("a", 0, 35, 4), r("a", 60, 70, 1)});
}

TEST_CASE("a late event within the lateness reopens a session and re-emits it", "[agg][window]") {
  const std::vector<ev> in{{"a", 0}, {"a", 30}, {"a", 5}, {"a", 100}, {"a", 1}};
  rs::agg_counters c;
  const auto out = rs::run(in | rs::key_by(user) |
                           rs::window(rs::session(10ms), rs::counting(),
                                      rs::event_time(event_time_of).allowed_lateness(25ms).counters(&c)) |
                           agg_test::collect());
  REQUIRE(out == std::vector<result>{r("a", 0, 10, 1), r("a", 0, 15, 2, true), r("a", 30, 40, 1),
                                     r("a", 100, 110, 1)});
  REQUIRE(c.late == 1);
}

TEST_CASE("count windows: tumbling per key and sliding with merge order kept", "[agg][window]") {
  using cres = rs::window_result<int, std::uint64_t, std::uint64_t>;
  const auto tumbled = rs::run(rs::iota(0, 10) | rs::key_by([](int x) { return x % 2; }) |
                               rs::window(rs::tumbling(2), rs::counting()) | agg_test::collect());
  // Each key has 5 elements: two full windows, then the fifth in a final partial one.
  REQUIRE(tumbled == std::vector<cres>{
                         {0, 0, 2, 2}, {1, 0, 2, 2}, {0, 2, 4, 2}, {1, 2, 4, 2}, {0, 4, 5, 1}, {1, 4, 5, 1}});

  auto concat = rs::aggregate(
      std::string{}, [](std::string& s, char ch) { s += ch; },
      [](std::string& s, const std::string& o) { s += o; });
  const auto slid =
      rs::run(std::string("abcdefg") | rs::window(rs::sliding(3, 1), concat) | agg_test::collect());
  std::vector<std::string> values;
  for (auto& w : slid) values.push_back(w.value);
  REQUIRE(values == std::vector<std::string>{"abc", "bcd", "cde", "def", "efg"});
  REQUIRE(slid[2].start == 2);
  REQUIRE(slid[2].end == 5);

  const auto hop =
      rs::run(std::string("abcdefghij") | rs::window(rs::sliding(4, 2), concat) | agg_test::collect());
  values.clear();
  for (auto& w : hop) values.push_back(w.value);
  REQUIRE(values == std::vector<std::string>{"abcd", "cdef", "efgh", "ghij"});
}

TEST_CASE("count windows emit the oldest unfinished window at the end when elements are uncovered",
          "[agg][window]") {
  using cres = rs::window_result<char, std::string, std::uint64_t>;
  auto concat = rs::aggregate(
      std::string{}, [](std::string& s, char ch) { s += ch; },
      [](std::string& s, const std::string& o) { s += o; });
  const auto first = [](char ch) { return ch; };
  SECTION("tumbling: the final partial window of every key that has one, by first appearance") {
    // a: 7 elements (6 in full windows, 1 left), b: 2 (fewer than a window), c: 3 (none left).
    const auto out = rs::run(std::string("aaabbcccaaaa") | rs::key_by(first) |
                             rs::window(rs::tumbling(3), concat) | agg_test::collect());
    REQUIRE(
        out ==
        std::vector<cres>{
            {'a', 0, 3, "aaa"}, {'c', 0, 3, "ccc"}, {'a', 3, 6, "aaa"}, {'a', 6, 7, "a"}, {'b', 0, 2, "bb"}});
  }
  SECTION("sliding: only when the last elements are in no emitted window") {
    const auto letters = [&](std::string in) {
      std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> w;
      for (auto& r : rs::run(std::move(in) | rs::window(rs::sliding(4, 2), concat) | agg_test::collect()))
        w.emplace_back(r.value, r.start, r.end);
      return w;
    };
    using t = std::tuple<std::string, std::uint64_t, std::uint64_t>;
    REQUIRE(letters("abcdefg") == std::vector<t>{{"abcd", 0, 4}, {"cdef", 2, 6}, {"efg", 4, 7}});
    REQUIRE(letters("abcdef") == std::vector<t>{{"abcd", 0, 4}, {"cdef", 2, 6}});  // all covered
    REQUIRE(letters("ab") == std::vector<t>{{"ab", 0, 2}});
    REQUIRE(letters("").empty());
  }
}

TEST_CASE("processing-time windows use the run's clock", "[agg][window]") {
  rs::manual_clock clock;
  using step = agg_test::step<std::string>;
  // One second passes before each element; the quiet spell lets [0s, 5s) close before "c".
  std::vector<step> script{std::string("a"), std::string("b"), std::string("a"), agg_test::quiet{10s},
                           std::string("c")};
  auto src = agg_test::scripted_source<std::string>(clock, std::move(script), 1s);
  const auto out = run_at(std::move(src) | rs::key_by([](const std::string& s) { return s; }) |
                              rs::window(rs::tumbling(5s), rs::counting(), rs::processing_time().batch(1)) |
                              agg_test::collect_timed(clock),
                          clock);
  using pres = rs::window_result<std::string, std::uint64_t>;
  using timed = std::pair<pres, std::int64_t>;
  const auto sec = [](std::int64_t s) { return nanoseconds(std::chrono::seconds(s)).count(); };
  REQUIRE(out == std::vector<timed>{{pres{"a", 0s, 5s, 2}, sec(13)},
                                    {pres{"b", 0s, 5s, 1}, sec(13)},
                                    {pres{"c", 10s, 15s, 1}, sec(14)}});
}

TEST_CASE("an idle timeout closes event-time windows when the input goes quiet", "[agg][window]") {
  using step = agg_test::step<ev>;
  const auto make = [] {
    return std::vector<step>{ev{"a", 1},           ev{"a", 4},           agg_test::quiet{20s},
                             agg_test::quiet{20s}, agg_test::quiet{20s}, ev{"a", 61'000}};
  };
  const auto sec = [](std::int64_t s) { return nanoseconds(std::chrono::seconds(s)).count(); };
  using timed = std::pair<result, std::int64_t>;
  {
    rs::manual_clock clock;
    rs::agg_counters c;
    const auto out = run_at(agg_test::scripted_source<ev>(clock, make()) | rs::key_by(user) |
                                rs::window(rs::tumbling(10ms), rs::counting(),
                                           rs::event_time(event_time_of).idle_timeout(30s).counters(&c)) |
                                agg_test::collect_timed(clock),
                            clock);
    // Quiet since 0 s: at 40 s the idle timeout moves event time on with the clock and [0, 10)
    // closes; the next event, a minute later in event time too, is on time.
    REQUIRE(out == std::vector<timed>{{r("a", 0, 10, 2), sec(40)}, {r("a", 61'000, 61'010, 1), sec(60)}});
    REQUIRE(c.idle_advances == 2);  // at 40 s and again at 60 s
  }
  {
    rs::manual_clock clock;
    const auto out =
        run_at(agg_test::scripted_source<ev>(clock, make()) | rs::key_by(user) |
                   rs::window(rs::tumbling(10ms), rs::counting(), rs::event_time(event_time_of)) |
                   agg_test::collect_timed(clock),
               clock);
    // Without it, the window waits for the next event.
    REQUIRE(out == std::vector<timed>{{r("a", 0, 10, 2), sec(60)}, {r("a", 61'000, 61'010, 1), sec(60)}});
  }
}

TEST_CASE("a throwing timestamp extractor follows the bad-input policy", "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"a", 2}, {"bad", 0}, {"a", 3}};
  auto checked = [](const ev& e) {
    if (e.user == "bad") throw std::invalid_argument("no timestamp");
    return milliseconds(e.t_ms);
  };
  SECTION("fail (the default) stops the run naming the stage and element") {
    auto p = in | rs::key_by(user) | rs::window(rs::tumbling(10ms), rs::counting(), rs::event_time(checked)) |
             agg_test::collect();
    try {
      rs::run(p);
      FAIL("run should have thrown");
    } catch (const rs::stage_error& e) {
      REQUIRE(e.stage() == "window");
      REQUIRE(e.position() == 2);
      REQUIRE(e.element() == 2);
      REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "no timestamp");
    }
  }
  SECTION("skip drops and counts the element") {
    rs::agg_counters c;
    const auto out =
        rs::run(in | rs::key_by(user) |
                rs::window(rs::tumbling(10ms), rs::counting(),
                           rs::event_time(checked).on_bad_input(rs::on_error::skip{}).counters(&c)) |
                agg_test::collect());
    REQUIRE(out == std::vector<result>{r("a", 0, 10, 3)});
    REQUIRE(c.skipped == 1);
  }
  SECTION("dead_letter hands over the element, the stage and the cause") {
    std::vector<rs::dead_letter_record<rs::keyed<std::string, ev>>> letters;
    const auto out = rs::run(in | rs::key_by(user) |
                             rs::window(rs::tumbling(10ms), rs::counting(),
                                        rs::event_time(checked).on_bad_input(rs::on_error::dead_letter{
                                            [&](rs::dead_letter_record<rs::keyed<std::string, ev>>&& d) {
                                              letters.push_back(std::move(d));
                                            }})) |
                             agg_test::collect());
    REQUIRE(out == std::vector<result>{r("a", 0, 10, 3)});
    REQUIRE(letters.size() == 1);
    REQUIRE(letters[0].element.key == "bad");
    REQUIRE(letters[0].stage == "window");
    REQUIRE(letters[0].index == 2);
    REQUIRE(letters[0].reason == "rstreams: window (stage 2) failed on element 2: no timestamp");
  }
  SECTION("retry calls the extractor again before giving up") {
    int calls = 0;
    auto flaky = [&](const ev& e) {
      if (e.user == "bad" && ++calls < 3) throw std::runtime_error("not yet");
      return milliseconds(e.t_ms);
    };
    rs::manual_clock clock;
    const auto out = run_at(in | rs::key_by(user) |
                                rs::window(rs::tumbling(10ms), rs::counting(),
                                           rs::event_time(flaky).on_bad_input(
                                               rs::on_error::retry{.attempts = 3, .backoff = 0ms})) |
                                agg_test::collect(),
                            clock);
    REQUIRE(calls == 3);
    REQUIRE(out == std::vector<result>{r("a", 0, 10, 3), r("bad", 0, 10, 1)});
  }
}

TEST_CASE("an event far outside the accepted range is bad input", "[agg][window]") {
  const std::vector<ev> in{
      {"a", 1}, {"a", 2}, {"a", 1'000'000'000'000}, {"a", 9'000'000'000'000'000'000}, {"a", 3}};
  SECTION("max_ahead rejects a jump, fail names the element") {
    auto p = in | rs::key_by(user) |
             rs::window(rs::tumbling(10ms), rs::counting(),
                        rs::event_time(event_time_of).max_ahead(std::chrono::hours(24))) |
             agg_test::collect();
    REQUIRE_THROWS_WITH(rs::run(p),
                        "rstreams: window (stage 2) failed on element 2: event timestamp "
                        "1000000000000000000 ns is more than 86400000000000 ns ahead of the latest "
                        "event time 2000000 ns");
  }
  SECTION("skip keeps the windows open for the good events") {
    rs::agg_counters c;
    const auto out = rs::run(in | rs::key_by(user) |
                             rs::window(rs::tumbling(10ms), rs::counting(),
                                        rs::event_time(event_time_of)
                                            .max_ahead(std::chrono::hours(24))
                                            .on_bad_input(rs::on_error::skip{})
                                            .counters(&c)) |
                             agg_test::collect());
    REQUIRE(out == std::vector<result>{r("a", 0, 10, 3)});
    REQUIRE(c.skipped == 2);
  }
  SECTION("a timestamp beyond the representable range fails even without max_ahead") {
    const std::vector<ev> far{{"a", 9'000'000'000'000'000'000}};
    auto p = far | rs::key_by(user) |
             rs::window(rs::tumbling(10ms), rs::counting(), rs::event_time(event_time_of)) |
             agg_test::collect();
    REQUIRE_THROWS_AS(rs::run(p), rs::stage_error);
  }
}

TEST_CASE("a full key table emits or drops the evicted key's open windows", "[agg][window]") {
  const std::vector<ev> in{{"a", 1}, {"b", 2}, {"c", 3}, {"b", 4}, {"a", 12}};
  SECTION("emit") {
    rs::agg_counters c;
    const auto out = rs::run(in | rs::key_by(user) |
                             rs::window(rs::tumbling(10ms), rs::counting(),
                                        rs::event_time(event_time_of).keys(rs::key_limit(2)).counters(&c)) |
                             agg_test::collect());
    // c evicts a, emitted early; a (back at 12) evicts b, emitted early; then 12 closes [0, 10) for c.
    REQUIRE(out ==
            std::vector<result>{r("a", 0, 10, 1), r("b", 0, 10, 2), r("c", 0, 10, 1), r("a", 10, 20, 1)});
    REQUIRE(c.evicted == 2);
  }
  SECTION("drop") {
    rs::agg_counters c;
    const auto out = rs::run(
        in | rs::key_by(user) |
        rs::window(rs::tumbling(10ms), rs::counting(),
                   rs::event_time(event_time_of).keys(rs::key_limit(2, rs::on_evict::discard)).counters(&c)) |
        agg_test::collect());
    REQUIRE(out == std::vector<result>{r("c", 0, 10, 1), r("a", 10, 20, 1)});
    REQUIRE(c.dropped == 2);
  }
}

TEST_CASE("eviction follows CLOCK: a key updated since the last sweep is spared", "[agg][window]") {
  // Integer keys take the index's fast path. With 3 keys at most: 4 evicts 1 (the sweep clears
  // every mark); 2 is then updated, so 5 evicts 3, not 2.
  const std::vector<std::pair<int, std::int64_t>> in{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {2, 5}, {5, 6}};
  rs::agg_counters c;
  const auto out = rs::run(in | rs::key_by([](const auto& e) { return e.first; }) |
                           rs::window(rs::tumbling(10ms), rs::counting(),
                                      rs::event_time([](const auto& e) { return milliseconds(e.second); })
                                          .keys(rs::key_limit(3))
                                          .counters(&c)) |
                           agg_test::collect());
  using ires = rs::window_result<int, std::uint64_t>;
  const auto w = [](int k, std::uint64_t n) { return ires{k, 0ms, 10ms, n}; };
  REQUIRE(out == std::vector<ires>{w(1, 1), w(3, 1), w(4, 1), w(2, 2), w(5, 1)});
  REQUIRE(c.evicted == 2);
}

namespace {

// A reference computed from scratch: every sliding window of every key, ordered as the
// operator emits them (by end, then by the key's first appearance).
std::vector<rs::window_result<int, std::int64_t>> brute_force(
    const std::vector<std::tuple<int, std::int64_t, int>>& in, std::int64_t size, std::int64_t slide) {
  std::vector<int> order;
  std::map<std::tuple<std::int64_t, std::size_t, std::int64_t>, std::int64_t> sums;
  for (auto& [k, t, v] : in) {
    auto it = std::find(order.begin(), order.end(), k);
    const auto slot = static_cast<std::size_t>(it - order.begin());
    if (it == order.end()) order.push_back(k);
    for (std::int64_t s = (t / slide) * slide; s > t - size; s -= slide) sums[{s + size, slot, s}] += v;
  }
  std::vector<rs::window_result<int, std::int64_t>> out;
  for (auto& [key, sum] : sums)
    out.push_back(
        {order[std::get<1>(key)], nanoseconds(std::get<2>(key)), nanoseconds(std::get<0>(key)), sum});
  return out;
}

}  // namespace

TEST_CASE("sliding windows over shuffled input equal a from-scratch computation, bit for bit, every run",
          "[agg][window]") {
  std::mt19937_64 rng(42);
  std::vector<std::tuple<int, std::int64_t, int>> in;
  for (std::int64_t i = 0; i < 5000; ++i) {
    const auto jitter = static_cast<std::int64_t>(rng() % 50);
    in.emplace_back(static_cast<int>(rng() % 7), 1000 + i * 3 - jitter, static_cast<int>(rng() % 100));
  }
  auto sum = rs::aggregate(
      std::int64_t{0},
      [](std::int64_t s, const std::tuple<int, std::int64_t, int>& x) { return s + std::get<2>(x); },
      std::plus<>{});
  const auto once = [&] {
    return rs::run(in | rs::key_by([](const auto& x) { return std::get<0>(x); }) |
                   rs::window(rs::sliding(nanoseconds(120), nanoseconds(40)), sum,
                              rs::event_time([](const auto& x) {
                                return nanoseconds(std::get<1>(x));
                              }).out_of_orderness(nanoseconds(50))) |
                   agg_test::collect());
  };
  const auto first = once();
  REQUIRE(first == brute_force(in, 120, 40));
  REQUIRE(first == once());
}

namespace {

// The documented semantics of event-time tumbling and sliding windows, element by element:
// an event is late when its last window ended `lateness` or more before the watermark; else it
// is added to its windows, and those that had fired already (within the lateness) are emitted
// again, marked late; then the watermark (latest event time - ooo) fires the windows it passed,
// by end, then by key in first-seen order. The end of the input fires the rest.
struct reference_result {
  std::vector<rs::window_result<int, std::int64_t>> out;
  std::uint64_t late = 0;
};
reference_result reference(const std::vector<std::tuple<int, std::int64_t, int>>& in, std::int64_t size,
                           std::int64_t slide, std::int64_t ooo, std::int64_t lateness) {
  using res = rs::window_result<int, std::int64_t>;
  const auto fdiv = [](std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && (a < 0)); };
  std::vector<int> order;  // keys by first appearance (first event not dropped as late)
  std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> sums;  // (slot, window start) -> sum
  reference_result r;
  std::int64_t wm = std::numeric_limits<std::int64_t>::min();
  bool any = false;
  std::int64_t max_ts = 0;
  const auto fire_through = [&](std::int64_t from, std::int64_t to) {  // ends in (from, to]
    std::map<std::pair<std::int64_t, std::size_t>, res> fired;
    for (auto& [k, sum] : sums) {
      const std::int64_t end = k.second + size;
      if (end > from && end <= to)
        fired[{end, k.first}] = res{order[k.first], nanoseconds(k.second), nanoseconds(end), sum};
    }
    for (auto& [k, w] : fired) r.out.push_back(w);
  };
  for (auto& [key, t, v] : in) {
    const std::int64_t last_start = fdiv(t, slide) * slide;
    if (any && last_start + size + lateness <= wm) {
      ++r.late;
      continue;
    }
    auto it = std::find(order.begin(), order.end(), key);
    const auto slot = static_cast<std::size_t>(it - order.begin());
    if (it == order.end()) order.push_back(key);
    for (std::int64_t s = fdiv(t - size, slide) * slide + slide; s <= last_start; s += slide) {
      sums[{slot, s}] += v;
      if (any && s + size <= wm && s + size + lateness > wm)
        r.out.push_back(res{key, nanoseconds(s), nanoseconds(s + size), sums[{slot, s}], true});
    }
    if (!any || t > max_ts) max_ts = t;
    const std::int64_t new_wm = max_ts - ooo;
    if (!any || new_wm > wm) {
      if (any) fire_through(wm, new_wm);
      wm = new_wm;
    }
    any = true;
  }
  fire_through(wm, std::numeric_limits<std::int64_t>::max());
  return r;
}

}  // namespace

TEST_CASE("event-time windows with disorder and lateness match a reference model for every batch size",
          "[agg][window]") {
  struct shape {
    std::int64_t size, slide, ooo, lateness;
  };
  const auto [size, slide, ooo, lateness] =
      GENERATE(shape{30, 30, 0, 0}, shape{30, 30, 20, 0}, shape{30, 30, 10, 40}, shape{60, 20, 0, 0},
               shape{60, 20, 15, 0}, shape{50, 20, 10, 35});
  const auto batch = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{1024});
  std::mt19937_64 rng(size * 131 + slide * 17 + ooo * 7 + lateness);
  std::vector<std::tuple<int, std::int64_t, int>> in;
  for (std::int64_t i = 0; i < 3000; ++i) {
    // Mostly in order, with a few events far behind (late or within the lateness).
    const auto back = static_cast<std::int64_t>(rng() % 10 == 0 ? rng() % 120 : rng() % 25);
    in.emplace_back(static_cast<int>(rng() % 6), -500 + i * 2 - back, static_cast<int>(rng() % 100));
  }
  auto sum = rs::aggregate(
      std::int64_t{0},
      [](std::int64_t s, const std::tuple<int, std::int64_t, int>& x) { return s + std::get<2>(x); },
      std::plus<>{});
  rs::agg_counters c;
  const auto out =
      rs::run(in | rs::key_by([](const auto& x) { return std::get<0>(x); }) |
              rs::window(rs::sliding(nanoseconds(size), nanoseconds(slide)), sum,
                         rs::event_time([](const auto& x) { return nanoseconds(std::get<1>(x)); })
                             .out_of_orderness(nanoseconds(ooo))
                             .allowed_lateness(nanoseconds(lateness))
                             .counters(&c)
                             .batch(batch)) |
              agg_test::collect());
  const auto expected = reference(in, size, slide, ooo, lateness);
  // The input exercises what it should: late events, and re-emitted windows when there is lateness.
  REQUIRE(expected.late > 0);
  REQUIRE(std::any_of(expected.out.begin(), expected.out.end(), [](const auto& w) { return w.late; }) ==
          (lateness > 0));
  REQUIRE(c.late == expected.late);
  REQUIRE(out.size() == expected.out.size());
  REQUIRE(out == expected.out);
}

TEST_CASE("results reach a consumer that pulls one at a time or stops early, in order", "[agg][window]") {
  // 40 keys, so one firing makes more results than a small demand takes at once.
  std::vector<std::tuple<int, std::int64_t, int>> in;
  for (std::int64_t i = 0; i < 4000; ++i) in.emplace_back(static_cast<int>(i % 40), i, 1);
  const auto make = [&] {
    return in | rs::key_by([](const auto& x) { return std::get<0>(x); }) |
           rs::window(rs::sliding(nanoseconds(100), nanoseconds(50)), rs::counting(),
                      rs::event_time([](const auto& x) { return nanoseconds(std::get<1>(x)); }).batch(64));
  };
  const auto all = rs::run(make() | agg_test::collect());
  REQUIRE(all.size() == 40 * 81);
  SECTION("one result per pull") {
    auto src = make();
    std::vector<rs::window_result<int, std::uint64_t>> pulled;
    while (auto w = rs::pull(src)) pulled.push_back(*w);
    REQUIRE(pulled == all);
  }
  SECTION("a consumer that stops after 100 results, then a second one takes the rest") {
    auto src = make();
    std::vector<rs::window_result<int, std::uint64_t>> got;
    const auto take = [&](std::size_t limit) {
      while (got.size() < limit) {
        const rs::flow f = rs::push(src, 4096, [&](auto&& w) {
          got.push_back(w);
          return got.size() < limit;
        });
        if (f == rs::flow::done) break;
      }
    };
    take(100);
    REQUIRE(got.size() == 100);
    take(all.size() + 1);
    REQUIRE(got == all);
  }
}
