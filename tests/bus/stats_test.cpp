#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/bot_lag.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/set_checkpoint.hpp>
#include <rstreams/bus/stats.hpp>

#include <support/catch.hpp>
#include <support/ops_backends.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

static_assert(rb::reports_stats<rb::local_backend>);
static_assert(rb::reports_stats<rb::any_backend>);
static_assert(!rb::reports_stats<int>);

namespace {
// The lag the slow way: every record after the checkpoint, read.
template <class B>
std::uint64_t counted_lag(B& bus, std::string_view bot, std::string_view queue) {
  const auto cp = bus.get_checkpoint(bot, queue);
  std::vector<rb::record> out;
  std::string after = cp ? cp->eid : std::string();
  std::uint64_t n = 0;
  while (bus.read(queue, after, 1000, out) != 0) {
    n += out.size();
    after = out.back().eid;
    out.clear();
  }
  return n;
}

template <class B>
const rb::bot_report& report_of(const rb::bus_stats& s, const std::string& id) {
  for (const auto& b : s.bots)
    if (b.id == id) return b;
  throw std::logic_error("no bot " + id);
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("queue_stats: size, ends, time of the last write and the recent rate", "[bus][stats]",
                        rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto empty = bus.queue_stats("nothing");
  REQUIRE(empty.name == "nothing");
  REQUIRE(empty.events == 0);
  REQUIRE(empty.last_eid.empty());
  REQUIRE(bus.position("nothing", "") == 0);

  const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(30, json{{"x", 1}}));
  const auto q = bus.queue_stats("q");
  REQUIRE(q.events == 30);
  REQUIRE(q.head_position - q.first_position == 30);
  REQUIRE(q.first_eid == eids.front());
  REQUIRE(q.last_eid == eids.back());
  REQUIRE(q.bytes > 30 * 7);
  REQUIRE(q.last_write_ms == rb::eid_to_ms(eids.back()));
  REQUIRE(bus.position("q", "") == q.first_position);
  REQUIRE(bus.position("q", eids[9]) == q.first_position + 10);
  REQUIRE(bus.position("q", eids.back()) == q.head_position);
  REQUIRE(bus.position("q", "z/9999/") == q.head_position);
  REQUIRE_THROWS_AS(bus.position("q", "z/20x"), rb::eid_error);

  // All 30 were written within the last minute: 30 / 60 s.
  const auto now = rb::eid_to_ms(eids.back()) + 1;
  const auto s = rb::stats(bus, {60'000, now});
  REQUIRE(s.queues.size() == 1);
  REQUIRE(s.queues[0].write_rate == Approx(0.5));
  // A window that ends long after the last write: no recent rate.
  REQUIRE(rb::stats(bus, {1'000, now + 10'000}).queues[0].write_rate == 0);
}

TEMPLATE_LIST_TEST_CASE("lag is exact after every kind of checkpoint move, without reading events",
                        "[bus][stats]", rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(50, json{{"x", 1}}));

  auto l = rb::lag(bus, "b", "q");  // no checkpoint yet: everything is pending
  REQUIRE_FALSE(l.checkpoint);
  REQUIRE(l.lag_events == 50);
  REQUIRE(l.lag_ms == rb::eid_to_ms(eids.back()) - rb::eid_to_ms(eids.front()));

  bus.commit_checkpoint("b", "q", std::nullopt, rb::checkpoint{eids[19], 20, 1'000, 0});
  l = rb::lag(bus, "b", "q");
  REQUIRE(l.lag_events == 30);
  REQUIRE(l.lag_events == counted_lag(bus, "b", "q"));
  REQUIRE(l.lag_ms == rb::eid_to_ms(eids.back()) - rb::eid_to_ms(eids[19]));
  REQUIRE(l.source_lag_ms > 0);  // its last event's source time was 1970 + 1 s

  rb::reset_checkpoint(bus, "b", "q");  // record count says 0; the position says all 50
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 50);
  rb::set_checkpoint(bus, "b", "q", eids[44]);
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 5);
  rb::set_checkpoint(bus, "b", "q", eids[4]);  // moved back: a replay
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 45);
  REQUIRE(rb::lag(bus, "b", "q").lag_events == counted_lag(bus, "b", "q"));
  rb::set_checkpoint(bus, "b", "q", "z/9999/");  // past the end: nothing pending
  l = rb::lag(bus, "b", "q");
  REQUIRE(l.lag_events == 0);
  REQUIRE(l.lag_ms == 0);
  rb::set_checkpoint(bus, "b", "q", "z/1999/");  // a time before everything
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 50);
  rb::set_checkpoint(bus, "b", "q", eids.back());
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 0);
  rb::put_events(bus, "loader", "q", std::vector<json>(7, json{{"x", 2}}));
  REQUIRE(rb::lag(bus, "b", "q").lag_events == 7);
  REQUIRE(rb::lag(bus, "b", "q").lag_events == counted_lag(bus, "b", "q"));
}

TEMPLATE_LIST_TEST_CASE("stats: every bot's lag per queue, its runs, pause and lease", "[bus][stats]",
                        rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "in", std::vector<json>(10, json{{"x", 1}}));
  rb::put_events(bus, "loader", "other", std::vector<json>(4, json{{"x", 1}}));

  using B = std::remove_reference_t<decltype(bus)>;
  rb::bot_options bo;
  bo.id = "worker";
  bo.trigger = rb::bot_trigger::once();
  bool fail = false;
  rb::bot<B> worker(bus, bo, [&](const rstreams::run_context&) {
    if (fail) throw std::runtime_error("boom");
    bus.commit_checkpoint("worker", "in", std::nullopt, rb::checkpoint{eids[5], 6, 0, 0}, true);
    bus.commit_checkpoint("worker", "other", std::nullopt, rb::checkpoint{"", 0, 0, 0}, true);
    return rb::bot_stats{6, 3, 1, 2, eids[5]};
  });
  const auto before = rb::detail::wall_clock_ms();
  REQUIRE(worker.run_once());
  fail = true;
  REQUIRE_THROWS(worker.run_once());

  auto s = rb::stats(bus);
  REQUIRE(s.queues.size() == 2);
  REQUIRE(s.queues[0].name == "in");
  REQUIRE(s.queues[1].name == "other");
  REQUIRE(s.bus == bus.describe());
  const auto& w = report_of<B>(s, "worker");
  REQUIRE(w.inputs.size() == 2);
  REQUIRE(w.inputs[0].queue == "in");
  REQUIRE(w.inputs[0].lag_events == 4);
  REQUIRE(w.inputs[1].queue == "other");
  REQUIRE(w.inputs[1].lag_events == 4);
  REQUIRE(w.state.runs == 1);
  REQUIRE(w.state.failed_runs == 1);
  REQUIRE(w.state.events_in == 6);
  REQUIRE(w.state.events_out == 3);
  REQUIRE(w.state.dead_letters == 1);
  REQUIRE(w.state.commits == 2);
  REQUIRE(w.state.last_outcome == "error");
  REQUIRE(w.state.last_run_start >= before);
  REQUIRE(w.state.last_run_end >= w.state.last_run_start);
  REQUIRE(w.state.last_error.find("boom") != std::string::npos);
  REQUIRE_FALSE(w.state.paused);
  REQUIRE_FALSE(w.lease);

  rb::pause_bot(bus, "worker");
  {
    auto held = bus.try_lease("worker", std::chrono::seconds(30));
    REQUIRE(held);
    s = rb::stats(bus);
    REQUIRE(report_of<B>(s, "worker").state.paused);
    REQUIRE(report_of<B>(s, "worker").lease);
    REQUIRE(report_of<B>(s, "worker").lease->expires_at > s.at_ms);
  }
  REQUIRE_FALSE(rb::stats(bus).bots[0].lease);
  rb::resume_bot(bus, "worker");
  s = rb::stats(bus);
  REQUIRE_FALSE(report_of<B>(s, "worker").state.paused);
  REQUIRE(report_of<B>(s, "worker").state.runs == 1);  // resume keeps the record of runs
}

#if !defined(RSTREAMS_TEST_NATS_BUS)
TEST_CASE("local positions across segments and index entries match a count", "[bus][stats]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  opt.segment_bytes = 4096;
  opt.index_every_bytes = 512;
  rb::local_backend bus(dir.path().string(), opt);
  std::vector<std::string> eids;
  for (int i = 0; i < 20; ++i) {
    const auto more =
        rb::put_events(bus, "loader", "q", std::vector<json>(25, json{{"i", i}, {"pad", "......"}}));
    eids.insert(eids.end(), more.begin(), more.end());
  }
  REQUIRE(rt::read_all(bus, "q").size() == 500);
  const auto q = bus.queue_stats("q");
  REQUIRE(q.events == 500);
  REQUIRE(q.first_position == 0);
  REQUIRE(q.head_position == 500);
  for (std::size_t i = 0; i < eids.size(); i += 37) {
    REQUIRE(bus.position("q", eids[i]) == i + 1);
    REQUIRE(bus.position("q", rb::previous(eids[i])) == i);
  }
  rb::any_backend any(rb::local_backend(dir.path().string(), opt));
  REQUIRE(any.position("q", eids[100]) == 101);
  REQUIRE(any.queue_stats("q") == q);
}
#endif
