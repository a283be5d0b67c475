#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace rb = rstreams::bus;

static_assert(std::is_move_constructible_v<rb::checkpoint_tracker>);

namespace {
std::string eid(int i) {
  return rb::make_eid(1'700'000'000'000 + i, 0);
}
}  // namespace

TEST_CASE("tracker: an input that derives nothing completes when finished", "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  const auto a = t.read(eid(1), 11);
  const auto b = t.read(eid(2), 12);
  REQUIRE_FALSE(t.take());
  t.finished(b);
  REQUIRE_FALSE(t.take());  // b is complete but a is not: the watermark waits for a
  t.finished(a);
  const auto w = t.take();
  REQUIRE(w);
  REQUIRE(w->eid == eid(2));
  REQUIRE(w->records == 2);
  REQUIRE(w->source_timestamp == 12);
  REQUIRE_FALSE(t.take());  // nothing new since
  REQUIRE(t.position()->eid == eid(2));
}

TEST_CASE("tracker: 1->N holds the input until its last output is written", "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  const auto a = t.read(eid(1));
  for (int k = 0; k < 3; ++k) t.derived(a);
  t.finished(a);
  t.written(a);
  t.written(a);
  REQUIRE_FALSE(t.take());
  t.written(a);
  REQUIRE(t.take()->eid == eid(1));
}

TEST_CASE("tracker: N->1 holds every input of the range until the output is written",
          "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  for (int i = 1; i <= 4; ++i) t.read(eid(i));
  t.derived(eid(1), eid(3));  // one output from inputs 1..3, by eid as a correlation names them
  t.finished_through(t.find(eid(4)));
  REQUIRE_FALSE(t.take());
  t.written(eid(1), eid(3));
  const auto w = t.take();
  REQUIRE(w->eid == eid(4));
  REQUIRE(w->records == 4);
}

TEST_CASE("tracker: writes acknowledged out of order commit only the complete prefix",
          "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  std::vector<rb::checkpoint_tracker::ticket> tk;
  for (int i = 0; i < 5; ++i) {
    tk.push_back(t.read(eid(i)));
    t.derived(tk.back());
    t.finished(tk.back());
  }
  t.written(tk[1]);
  t.written(tk[3]);
  REQUIRE_FALSE(t.take());
  t.written(tk[0]);
  REQUIRE(t.take()->eid == eid(1));
  t.written(tk[2]);
  REQUIRE(t.take()->eid == eid(3));
  REQUIRE(t.in_flight() == 1);
}

TEST_CASE("tracker: misuse is an error, not a silent wrong checkpoint", "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  const auto a = t.read(eid(5));
  REQUIRE_THROWS_AS(t.read(eid(4)), rstreams::error);  // out of eid order
  REQUIRE_THROWS_AS(t.written(a), rstreams::error);    // written more than derived
  REQUIRE_THROWS_AS(t.derived(eid(9), eid(9)), rstreams::error);
  t.finished(a);
  REQUIRE(t.take());
  REQUIRE_THROWS_AS(t.derived(a), rstreams::error);  // already complete
}

TEST_CASE("tracker: random fan-out and acknowledgement orders never pass an incomplete input",
          "[bus][checkpoint_tracker]") {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 50; ++trial) {
    rb::checkpoint_tracker t;
    struct out {
      rb::checkpoint_tracker::ticket first, last;
    };
    std::vector<out> outs;
    std::vector<int> remaining;  // outputs not yet written, per input
    const int n = 30;
    for (int i = 0; i < n; ++i) {
      const auto tk = t.read(eid(i));
      remaining.push_back(0);
      const int k = static_cast<int>(rng() % 3);  // 0, 1 or 2 outputs
      for (int j = 0; j < k; ++j) {
        // Sometimes an output covers the previous input too (N->1).
        const bool pair = i > 0 && rng() % 4 == 0 && remaining[static_cast<std::size_t>(i - 1)] > 0;
        const auto first = pair ? tk - 1 : tk;
        t.derived(first, tk);
        outs.push_back({first, tk});
        for (auto x = first; x <= tk; ++x) ++remaining[static_cast<std::size_t>(x)];
      }
      t.finished(tk);
    }
    std::shuffle(outs.begin(), outs.end(), rng);
    std::int64_t committed = -1;
    for (const auto& o : outs) {
      t.written(o.first, o.last);
      for (auto x = o.first; x <= o.last; ++x) --remaining[static_cast<std::size_t>(x)];
      if (const auto w = t.take()) {
        const auto idx = static_cast<std::int64_t>(rb::parse_eid(w->eid).ms - 1'700'000'000'000);
        REQUIRE(idx > committed);
        for (std::int64_t x = 0; x <= idx; ++x) REQUIRE(remaining[static_cast<std::size_t>(x)] == 0);
        committed = idx;
      }
    }
    REQUIRE(t.position()->eid == eid(n - 1));
  }
}

TEST_CASE("tracker: a window over many recycled blocks keeps every input, its eid and the watermark",
          "[bus][checkpoint_tracker]") {
  // Eids of varying lengths (some short enough for a string's inline buffer, some not), so that a
  // recycled entry is overwritten by a longer and a shorter eid; inputs complete in random order
  // with a random lag, so the window slides over block boundaries and refills emptied blocks.
  const auto name = [](int i) {
    const auto num = std::to_string(1'000'000 + i);
    return num + std::string(static_cast<std::size_t>(i % 5) * 10, 'x');
  };
  std::mt19937 rng(7);
  rb::checkpoint_tracker t;
  std::vector<rb::checkpoint_tracker::ticket> open;  // derived one output, not yet written
  std::vector<bool> done;
  std::size_t watermark = 0;  // inputs [0, watermark) are complete
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    const auto tk = t.read(name(i), i);
    REQUIRE(tk == static_cast<rb::checkpoint_tracker::ticket>(i));
    done.push_back(false);
    if (rng() % 3 == 0) {
      t.finished(tk);
      done.back() = true;
    } else {
      t.derived(tk);
      t.finished(tk);
      open.push_back(tk);
    }
    // Write a few outputs at random, sometimes many at once (the window drains to empty).
    const auto writes = rng() % 50 == 0 ? open.size() : static_cast<std::size_t>(rng() % 2);
    for (std::size_t k = 0; k < writes && !open.empty(); ++k) {
      const auto at = rng() % open.size();
      const auto w = open[at];
      REQUIRE(t.eid(w) == name(static_cast<int>(w)));  // in flight: its eid is still there
      REQUIRE(t.find(name(static_cast<int>(w))) == w);
      t.written(w);
      done[static_cast<std::size_t>(w)] = true;
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(at));
    }
    std::size_t expect = watermark;
    while (expect < done.size() && done[expect]) ++expect;
    const auto w = t.take();
    if (expect == watermark) {
      REQUIRE_FALSE(w);
    } else {
      REQUIRE(w);
      REQUIRE(w->eid == name(static_cast<int>(expect - 1)));
      REQUIRE(w->records == expect - watermark);
      REQUIRE(w->source_timestamp == static_cast<std::int64_t>(expect - 1));
      watermark = expect;
    }
    REQUIRE(t.in_flight() == done.size() - watermark);
  }
  REQUIRE(watermark < static_cast<std::size_t>(n));         // the window held inputs at the end
  REQUIRE_THROWS_AS(t.read(name(n - 1)), rstreams::error);  // still in eid order across blocks
}

TEST_CASE("tracker: the eid of an input in flight stays put while later inputs fill new blocks",
          "[bus][checkpoint_tracker]") {
  rb::checkpoint_tracker t;
  const auto first = t.read(eid(0));
  const std::string& e = t.eid(first);
  const auto* at = e.data();
  for (int i = 1; i < 2000; ++i) t.finished(t.read(eid(i)));
  REQUIRE(&t.eid(first) == &e);
  REQUIRE(e.data() == at);
  REQUIRE(e == eid(0));
  REQUIRE_FALSE(t.take());  // the first input holds the watermark
  t.finished(first);
  REQUIRE(t.take()->records == 2000);
}
