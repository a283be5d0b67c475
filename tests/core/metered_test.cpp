#include <rstreams/core/describe.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/metrics_text.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <forward_list>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

namespace {

const rs::stage_metrics_snapshot& find(const std::vector<rs::stage_metrics_snapshot>& all,
                                       std::size_t position) {
  for (const auto& s : all)
    if (s.position == position) return s;
  FAIL("no stage at position " << position);
  return all.front();
}

auto chain() {
  return rs::transform([](int x) { return x * 2; }) | rs::filter([](int x) { return x % 3 == 0; }) |
         rs::flat_map([](int x) { return rs::iota(x, x + 2); }) | rs::take(15);
}

}  // namespace

TEST_CASE("metered: the same elements and description; counts per stage", "[core][metered]") {
  rs::metrics_registry reg;
  const auto plain = rs::run(rs::iota(0, 100) | chain() | rs::to_vector());
  auto metered = rs::iota(0, 100) | rs::metered(reg, "orders", chain());
  CHECK(rs::describe(metered) == rs::describe(rs::iota(0, 100) | chain()));
  const auto got = rs::run(std::move(metered) | rs::to_vector());
  CHECK(got == plain);
  REQUIRE(got.size() == 15);

  // x*2 for x = 0..23 reaches take's 15th element (multiples of 6 up to 42, two each).
  const auto all = reg.snapshot();
  REQUIRE(all.size() == 4);
  const auto& t = find(all, 1);
  const auto& f = find(all, 2);
  const auto& fm = find(all, 3);
  const auto& tk = find(all, 4);
  CHECK(t.pipeline == "orders");
  CHECK(t.stage == "transform");
  CHECK(f.stage == "filter");
  CHECK(fm.stage == "flat_map");
  CHECK(tk.stage == "take");
  CHECK(t.in == 22);
  CHECK(t.out == 22);
  CHECK(f.in == 22);
  CHECK(f.out == 8);  // 0, 6, ..., 42
  CHECK(fm.in == 8);
  CHECK(fm.out == 15);  // the 16th is never asked for
  CHECK(tk.in == 15);
  CHECK(tk.out == 15);
  for (const auto& s : all) {
    CHECK(s.errors == 0);
    CHECK(s.channel_capacity == -1);
    CHECK(s.in_flight == -1);
  }
}

TEST_CASE("metered: a filter counts what it drops only in a metered pipeline", "[core][metered]") {
  // Unmetered, nothing reads the count; metered, it spares a count per element passed on.
  const auto odd = [](int x) { return x % 2 != 0; };
  using plain = decltype(rs::iota(0, 10) | rs::filter(odd));
  static_assert(!rs::detail::counts_handed_on<plain>);
  rs::metrics_registry reg;
  auto m = rs::iota(0, 10) | rs::metered(reg, "f", rs::filter(odd));
  static_assert(rs::detail::counts_handed_on<std::remove_cvref_t<decltype(m.upstream())>>);
  CHECK(rs::run(std::move(m) | rs::to_vector()) == std::vector<int>{1, 3, 5, 7, 9});
  CHECK(find(reg.snapshot(), 1).in == 10);
  CHECK(find(reg.snapshot(), 1).out == 5);
}

TEST_CASE("metered: a vector source's position is its count, owned or borrowed, also after a throw",
          "[core][metered]") {
  static_assert(rs::detail::counts_handed_on<rs::range_source<std::vector<int>>>);
  static_assert(rs::detail::counts_handed_on<rs::range_source<std::vector<int>&>>);
  static_assert(!rs::detail::counts_handed_on<rs::range_source<std::forward_list<int>>>);
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  for (int borrowed = 0; borrowed < 2; ++borrowed) {
    rs::metrics_registry reg;
    const auto got =
        borrowed
            ? rs::run(rs::from_range(v) | rs::metered(reg, "v", chain()) | rs::to_vector())
            : rs::run(rs::from_range(std::vector<int>(v)) | rs::metered(reg, "v", chain()) | rs::to_vector());
    CHECK(got == rs::run(rs::iota(0, 100) | chain() | rs::to_vector()));
    CHECK(find(reg.snapshot(), 1).in == 22);
    CHECK(find(reg.snapshot(), 4).out == 15);
  }
  rs::metrics_registry reg;
  auto throwing = rs::transform([](int x) {
    if (x == 7) throw std::runtime_error("seven");
    return x;
  });
  CHECK_THROWS(rs::run(rs::from_range(v) | rs::metered(reg, "t", std::move(throwing)) | rs::to_vector()));
  CHECK(find(reg.snapshot(), 1).in == 8);  // 0..7: the element that threw was handed on
}

TEST_CASE("metered: a second run adds to the same counters", "[core][metered]") {
  rs::metrics_registry reg;
  for (int i = 0; i < 2; ++i)
    rs::run(rs::iota(0, 10) | rs::metered(reg, "p", rs::filter([](int x) { return x % 2 == 0; })) |
            rs::to_vector());
  const auto all = reg.snapshot();
  REQUIRE(all.size() == 1);
  CHECK(all[0].in == 20);
  CHECK(all[0].out == 10);
}

TEST_CASE("metered: errors, retries and dead letters under the stage's policy", "[core][metered]") {
  rs::metrics_registry reg;
  SECTION("skip") {
    const auto odd_fails = [](int x) {
      if (x % 2 == 1) throw std::runtime_error("odd");
      return x;
    };
    const auto got =
        rs::run(rs::iota(0, 10) | rs::metered(reg, "p", rs::transform(odd_fails, rs::on_error::skip{})) |
                rs::to_vector());
    CHECK(got.size() == 5);
    const auto s = reg.snapshot().at(0);
    CHECK(s.in == 10);
    CHECK(s.out == 5);
    CHECK(s.errors == 5);
    CHECK(s.retries == 0);
    CHECK(s.dead_lettered == 0);
  }
  SECTION("retry, then dead letter") {
    std::vector<int> dead;
    const auto three_fails = [](int x) {
      if (x == 3) throw std::runtime_error("three");
      return x;
    };
    const auto policy = rs::on_error::retry{.attempts = 3, .backoff = std::chrono::nanoseconds(0)}.then(
        rs::on_error::dead_letter{[&dead](rs::dead_letter_record<int>&& r) { dead.push_back(r.element); }});
    const auto got = rs::run(rs::iota(0, 6) | rs::metered(reg, "p", rs::filter([](int) {
                                                                      return true;
                                                                    }) | rs::transform(three_fails, policy)) |
                             rs::to_vector());
    CHECK(got == std::vector<int>{0, 1, 2, 4, 5});
    CHECK(dead == std::vector<int>{3});
    const auto all = reg.snapshot();
    const auto& s = find(all, 2);
    CHECK(s.in == 6);
    CHECK(s.out == 5);
    CHECK(s.retries == 2);
    CHECK(s.errors == 1);
    CHECK(s.dead_lettered == 1);
  }
  SECTION("fail: the error leaves run and is counted once, at its stage") {
    const auto four_fails = [](int x) {
      if (x == 4) throw std::runtime_error("four");
      return x;
    };
    CHECK_THROWS_AS(
        rs::run(rs::iota(0, 10) |
                rs::metered(reg, "p", rs::transform(four_fails) | rs::filter([](int) { return true; })) |
                rs::to_vector()),
        rs::stage_error);
    const auto all = reg.snapshot();
    const auto& t = find(all, 1);
    const auto& f = find(all, 2);
    CHECK(t.in == 5);
    CHECK(t.out == 4);
    CHECK(t.errors == 1);
    CHECK(f.in == 4);
    CHECK(f.errors == 0);
  }
  SECTION("fail in a filter: what it dropped and the element it failed on are not handed on") {
    const auto even_fails_at_6 = [](int x) {
      if (x == 6) throw std::runtime_error("six");
      return x % 2 == 0;
    };
    CHECK_THROWS_AS(rs::run(rs::iota(0, 10) |
                            rs::metered(reg, "p", rs::filter(even_fails_at_6) | rs::transform([](int x) {
                                                    return x + 1;
                                                  })) |
                            rs::to_vector()),
                    rs::stage_error);
    const auto all = reg.snapshot();
    const auto& f = find(all, 1);
    CHECK(f.in == 7);   // 0..6
    CHECK(f.out == 3);  // 0, 2, 4
    CHECK(f.errors == 1);
  }
}

TEST_CASE("metered: Prometheus text with units and _total counters", "[core][metered]") {
  rs::metrics_registry reg;
  rs::run(rs::iota(0, 10) | rs::metered(reg, "say \"hi\"", rs::filter([](int x) { return x < 4; })) |
          rs::to_vector());
  const auto text = rs::to_prometheus(reg);
  CHECK(text.find("# TYPE rstreams_stage_in_total counter\n") != std::string::npos);
  CHECK(text.find(
            "rstreams_stage_in_total{pipeline=\"say \\\"hi\\\"\",position=\"1\",stage=\"filter\"} 10\n") !=
        std::string::npos);
  CHECK(text.find(
            "rstreams_stage_out_total{pipeline=\"say \\\"hi\\\"\",position=\"1\",stage=\"filter\"} 4\n") !=
        std::string::npos);
  // No channel or parallel stage: no gauge family.
  CHECK(text.find("channel") == std::string::npos);
  CHECK(text.find("rstreams_bot_live") == std::string::npos);
}

TEST_CASE("metrics_registry: bots and their commits", "[core][metered]") {
  rs::metrics_registry reg;
  auto& b = reg.bot("enricher");
  b.own_in.fetch_add(3);
  b.own_out.fetch_add(2);
  b.commits.fetch_add(1);
  CHECK(&reg.bot("enricher") == &b);
  const auto text = rs::to_prometheus(reg);
  CHECK(text.find("rstreams_bot_live_events_in_total{bot=\"enricher\"} 3\n") != std::string::npos);
  CHECK(text.find("rstreams_bot_live_events_out_total{bot=\"enricher\"} 2\n") != std::string::npos);
  CHECK(text.find("rstreams_bot_live_commits_total{bot=\"enricher\"} 1\n") != std::string::npos);
}
