#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/nats/nats_backend.hpp>
#include <rstreams/bus/nats/register.hpp>
#include <rstreams/bus/open_bus.hpp>
#include <rstreams/bus/read.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/nats_bus.hpp>
#include <support/nats_server.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using namespace std::chrono_literals;

static_assert(rb::backend<rb::nats_backend>);
static_assert(std::is_move_constructible_v<rb::nats_backend>);
static_assert(!std::is_copy_constructible_v<rb::nats_backend>);
static_assert(rb::stores_bot_state<rb::nats_backend>);

namespace {
using rstreams::test::number_range;
using rstreams::test::payload_numbers;

std::vector<rb::record> make(int n, int from = 0) {
  std::vector<rb::record> rs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& r = rs[static_cast<std::size_t>(i)];
    r.id = "writer";
    r.event = "q";
    r.timestamp = 1000 + i;
    r.event_source_timestamp = 2000 + i;
    r.payload = "{\"n\":" + std::to_string(from + i) + "}";
  }
  return rs;
}

/// Deletes every consumer of `queue`'s stream on the server, as an operator would with
/// `nats consumer rm`, through another connection's JetStream API. Returns how many it deleted.
int delete_consumers(rb::nats_backend& admin, const std::string& prefix, const std::string& queue) {
  const std::string stream = prefix + "_Q_" + queue;
  jsConsumerNamesList* names = nullptr;
  jsErrCode code{};
  if (js_ConsumerNames(&names, admin.connection().js(), stream.c_str(), nullptr, &code) != NATS_OK) return 0;
  int deleted = 0;
  for (int i = 0; i < names->Count; ++i)
    if (js_DeleteConsumer(admin.connection().js(), stream.c_str(), names->List[i], nullptr, &code) == NATS_OK)
      ++deleted;
  jsConsumerNamesList_Destroy(names);
  return deleted;
}

}  // namespace

TEST_CASE("nats_backend appends with increasing eids and reads them back in order",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  auto a = make(3);
  a[1].correlation_id = rb::correlation{"src", "z/2024/", "", 2};
  const auto last = bus.append("orders.eu", a);
  REQUIRE(last == a[2].eid);
  REQUIRE(rb::is_full_eid(a[0].eid));
  REQUIRE(a[0].eid < a[1].eid);
  REQUIRE(a[1].eid < a[2].eid);
  auto b = make(1000, 3);
  bus.append("orders.eu", b);
  REQUIRE(a[2].eid < b[0].eid);

  std::vector<rb::record> out;
  REQUIRE(bus.read("orders.eu", "", 2, out) == 2);
  REQUIRE(out[0] == a[0]);
  REQUIRE(out[1] == a[1]);
  REQUIRE(out[1].correlation_id->units == 2);
  // Continues where it stopped, then from an arbitrary eid (binary search) and from a prefix.
  REQUIRE(bus.read("orders.eu", out.back().eid, 10, out) == 10);
  REQUIRE(out[2] == a[2]);
  REQUIRE(out[11].payload == "{\"n\":11}");
  out.clear();
  REQUIRE(bus.read("orders.eu", b[499].eid, 1, out) == 1);
  REQUIRE(out[0].eid == b[500].eid);
  out.clear();
  REQUIRE(bus.read("orders.eu", "z/", 5000, out) == 1003);
  out.clear();
  REQUIRE(bus.read("orders.eu", "z/9999/", 10, out) == 0);
  REQUIRE(bus.read("orders.eu", b.back().eid, 10, out) == 0);
  REQUIRE(bus.read("nothing-here", "", 10, out) == 0);
}

TEST_CASE("nats_backend keeps eid order across handles writing the same queue", "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& one = fx.bus();
  auto two = fx.reopen();
  for (int round = 0; round < 5; ++round) {
    auto x = make(50, round * 100);
    auto y = make(50, round * 100 + 50);
    std::exception_ptr failed;
    std::thread t([&] {
      try {
        two.append("shared", y);
      } catch (...) {
        failed = std::current_exception();
      }
    });
    one.append("shared", x);
    t.join();
    if (failed) std::rethrow_exception(failed);  // a failure, not a terminate
  }
  const auto all = rt::read_all(one, "shared");
  REQUIRE(all.size() == 500);
  for (std::size_t i = 1; i < all.size(); ++i) REQUIRE(all[i - 1].eid < all[i].eid);
}

TEST_CASE("nats_backend: a batch cut by another writer keeps its stored part and renumbers the rest",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  // The writer keeps one publish in flight. Another connection sees each of its messages on
  // the subject and at once publishes a record of its own expecting that message as the
  // stream's last: the first time it gets in before the writer's next message, it cuts the
  // batch there. The chain then refuses the writer's next message and the rest, which it
  // must renumber after the tail it reads back.
  rb::nats_options slow;
  slow.prefix = fx.prefix();
  slow.max_pending = 1;
  rb::nats_backend writer(rt::nats_bus::server().url(), slow);
  const std::string subject = fx.prefix() + ".q.cut";
  auto first = make(1);
  writer.append("cut", first);  // creates the stream

  struct cutter {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    natsSubscription* sub = nullptr;
    std::string subject;
    std::atomic<bool> done{false};
    std::string eid;  // of the record it stored (written before `done`)
    ~cutter() {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
      jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
    }
    static void on_msg(natsConnection*, natsSubscription*, natsMsg* seen, void* closure) {
      auto& c = *static_cast<cutter*>(closure);
      const char* id = nullptr;
      if (!c.done && natsMsgHeader_Get(seen, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr &&
          std::string_view(id) != "cutter") {
        std::vector<rb::record> r = make(1, -1);
        r[0].id = "cutter";
        rb::detail::nats_assign_eids(rb::detail::nats_msg_eid(seen), r);
        natsMsg* m = nullptr;
        rb::detail::make_nats_msg(&m, c.subject.c_str(), r[0]);
        natsMsgHeader_Set(m, "Nats-Msg-Id", "cutter");
        natsMsgHeader_Set(m, "Nats-Expected-Last-Msg-Id", id);
        jsPubAck* pa = nullptr;
        if (js_PublishMsg(&pa, c.js, m, nullptr, nullptr) == NATS_OK) {
          c.eid = r[0].eid;
          c.done = true;
        }
        jsPubAck_Destroy(pa);
        natsMsg_Destroy(m);
      }
      natsMsg_Destroy(seen);
    }
  } cut;
  cut.subject = subject;
  REQUIRE(natsConnection_ConnectTo(&cut.nc, rt::nats_bus::server().url().c_str()) == NATS_OK);
  REQUIRE(natsConnection_JetStream(&cut.js, cut.nc, nullptr) == NATS_OK);
  REQUIRE(natsConnection_Subscribe(&cut.sub, cut.nc, subject.c_str(), &cutter::on_msg, &cut) == NATS_OK);
  REQUIRE(natsConnection_Flush(cut.nc) == NATS_OK);

  auto batch = make(300, 1);
  const auto last = writer.append("cut", batch);
  REQUIRE(cut.done);
  REQUIRE(last == batch.back().eid);

  const auto all = rt::read_all(writer, "cut");
  REQUIRE(all.size() == 302);
  for (std::size_t i = 1; i < all.size(); ++i) REQUIRE(all[i - 1].eid < all[i].eid);
  // The cut is inside the batch; every record is stored once, under the eid append left in it.
  REQUIRE(cut.eid > batch.front().eid);
  REQUIRE(cut.eid < batch.back().eid);
  std::map<std::string, std::string> stored;  // payload -> eid
  for (const auto& r : all) REQUIRE(stored.emplace(r.payload, r.eid).second);
  REQUIRE(stored.at("{\"n\":-1}") == cut.eid);
  REQUIRE(stored.at(first[0].payload) == first[0].eid);
  for (const auto& r : batch) REQUIRE(stored.at(r.payload) == r.eid);
}

TEST_CASE("nats_assign_eids numbers on from the last eid, written as make_eid writes them",
          "[bus][nats][nats_backend]") {
  std::vector<rb::record> rs(4);
  // A last eid far ahead of the clock, two sequences before the largest: the ms moves on.
  const std::int64_t ahead = rb::detail::nats_now_ms() + 86'400'000;
  rb::detail::nats_assign_eids(rb::make_eid(ahead, rb::eid_max_seq - 2), rs);
  REQUIRE(rs[0].eid == rb::make_eid(ahead, rb::eid_max_seq - 1));
  REQUIRE(rs[1].eid == rb::make_eid(ahead, rb::eid_max_seq));
  REQUIRE(rs[2].eid == rb::make_eid(ahead + 1, 0));
  REQUIRE(rs[3].eid == rb::make_eid(ahead + 1, 1));
  // The same ms as the last eid: numbered on.
  rb::detail::nats_assign_eids(rb::make_eid(ahead, 41), rs);
  REQUIRE(rs[0].eid == rb::make_eid(ahead, 42));
  REQUIRE(rs[3].eid == rb::make_eid(ahead, 45));
  // A last eid in the past, or none: the clock's ms, from sequence 0, reusing the strings.
  rs[0].eid.assign(100, 'x');
  for (const std::string& last : {rb::make_eid(1'000'000, 7), std::string()}) {
    rb::detail::nats_assign_eids(last, rs);
    const auto first = rb::parse_eid(rs[0].eid);
    REQUIRE(rs[0].eid > last);
    REQUIRE(first.seq == 0);
    for (std::size_t i = 0; i < rs.size(); ++i)
      REQUIRE(rs[i].eid == rb::make_eid(first.ms, static_cast<std::uint32_t>(i)));
  }
}

TEST_CASE("nats message ids are the token, a dash and the number in hex", "[bus][nats][nats_backend]") {
  std::array<char, 48> id{};
  REQUIRE(rb::detail::format_msg_id("tok", 0, id) == 5);
  REQUIRE(std::string(id.data()) == "tok-0");
  rb::detail::format_msg_id("0123456789AB", 0x1f2e, id);
  REQUIRE(std::string(id.data()) == "0123456789AB-1f2e");
  rb::detail::format_msg_id("0123456789AB", ~std::uint64_t{0}, id);
  REQUIRE(std::string(id.data()) == "0123456789AB-ffffffffffffffff");
}

TEST_CASE("nats_backend wait is woken by an append and honours timeout and stop",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  REQUIRE_FALSE(bus.wait("events", "", 50ms, {}));
  auto writer = fx.reopen();
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    auto rs = make(1);
    writer.append("events", rs);
  });
  REQUIRE(bus.wait("events", "", 10s, {}));
  t.join();
  const auto first = rt::read_all(bus, "events");
  REQUIRE(bus.wait("events", "", 10ms, {}));
  std::stop_source stop;
  std::thread s([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE_FALSE(bus.wait("events", first.back().eid, 30s, stop.get_token()));
  REQUIRE(std::chrono::steady_clock::now() - t0 < 20s);
  s.join();
}

TEST_CASE("nats_backend checkpoints are a compare-and-set", "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  REQUIRE_FALSE(bus.get_checkpoint("bot.a", "orders"));
  const rb::checkpoint c1{"z/2024/01/01/00/00/1704067200000-0000001", 1, 5, 6};
  bus.commit_checkpoint("bot.a", "orders", std::nullopt, c1);
  REQUIRE(bus.get_checkpoint("bot.a", "orders") == c1);
  REQUIRE_THROWS_AS(bus.commit_checkpoint("bot.a", "orders", std::nullopt, c1), rb::stale_checkpoint);
  const rb::checkpoint c2{"z/2024/01/01/00/00/1704067200000-0000002", 2, 5, 7};
  auto other = fx.reopen();
  other.commit_checkpoint("bot.a", "orders", c1.eid, c2);
  try {
    bus.commit_checkpoint("bot.a", "orders", c1.eid, c1);
    FAIL("expected stale_checkpoint");
  } catch (const rb::stale_checkpoint& e) {
    REQUIRE(e.found() == c2.eid);
    REQUIRE(std::string(e.what()).find("bot.a") != std::string::npos);
  }
  bus.commit_checkpoint("bot.a", "orders", std::nullopt, c1, true);
  REQUIRE(bus.get_checkpoint("bot.a", "orders") == c1);
  bus.commit_checkpoint("bot_b", "orders.eu", std::nullopt, c2);
  const auto bots = bus.bots();
  REQUIRE(bots.size() == 2);
  REQUIRE(bots[0].id == "bot.a");
  REQUIRE(bots[0].checkpoints.at("orders") == c1);
  REQUIRE(bots[1].checkpoints.at("orders.eu") == c2);
}

TEST_CASE("nats_backend checkpoint commits racing from two handles: exactly one wins",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto a = fx.reopen();
  auto b = fx.reopen();
  for (int round = 0; round < 10; ++round) {
    const auto before = fx.bus().get_checkpoint("racer", "q");
    const std::optional<std::string> expected =
        before ? std::optional<std::string>(before->eid) : std::nullopt;
    std::atomic<int> wins{0};
    const rb::checkpoint ca{"z/2024/a" + std::to_string(round), 1, 0, 0};
    const rb::checkpoint cb{"z/2024/b" + std::to_string(round), 1, 0, 0};
    std::thread t([&] {
      try {
        b.commit_checkpoint("racer", "q", expected, cb);
        ++wins;
      } catch (const rb::stale_checkpoint&) {
      }
    });
    try {
      a.commit_checkpoint("racer", "q", expected, ca);
      ++wins;
    } catch (const rb::stale_checkpoint&) {
    }
    t.join();
    REQUIRE(wins == 1);
  }
}

TEST_CASE("nats_backend leases: one holder, renewal, release, expiry", "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  auto other = fx.reopen();
  auto l = bus.try_lease("worker", 10s);
  REQUIRE(l);
  REQUIRE(l->held());
  REQUIRE_FALSE(other.try_lease("worker", 10s));
  REQUIRE(l->renew());
  l->release();
  auto l2 = other.try_lease("worker", 200ms);
  REQUIRE(l2);
  std::this_thread::sleep_for(300ms);
  REQUIRE_FALSE(l2->held());
  auto l3 = bus.try_lease("worker", 10s);
  REQUIRE(l3);
  REQUIRE_FALSE(l2->renew());
  REQUIRE(l3->held());
}

TEST_CASE("nats_backend lists queues with their last eid and size", "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  REQUIRE(bus.queues().empty());
  auto a = make(2);
  auto b = make(3);
  bus.append("a.q", a);
  bus.append("b", b);
  const auto qs = bus.queues();
  REQUIRE(qs.size() == 2);
  REQUIRE(qs[0] == rb::queue_info{"a.q", a[1].eid, 2});
  REQUIRE(qs[1] == rb::queue_info{"b", b[2].eid, 3});
  REQUIRE(bus.describe() == rt::nats_bus::server().url());
}

TEST_CASE("nats_backend rejects bad names and settings with clear errors", "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  auto rs = make(1);
  REQUIRE_THROWS_AS(bus.append("bad queue", rs), rstreams::config_error);
  std::vector<rb::record> out;
  REQUIRE_THROWS_AS(bus.read("q", "not-an-eid", 1, out), rb::eid_error);
  rb::nats_options opt;
  opt.prefix = "a.b";
  REQUIRE_THROWS_AS(rb::nats_backend(rt::nats_bus::server().url(), opt), rstreams::config_error);
}

TEST_CASE("nats_backend gives up connecting after bounded retries, naming the url",
          "[bus][nats][nats_backend]") {
  const int port = rt::detail::free_loopback_port();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  rb::nats_options opt;
  opt.connect_attempts = 3;
  opt.backoff = 10ms;
  try {
    rb::nats_backend bus(url, opt);
    FAIL("expected nats_error");
  } catch (const rb::nats_error& e) {
    REQUIRE(e.url() == url);
    REQUIRE(std::string(e.what()).find(url) != std::string::npos);
    REQUIRE(std::string(e.what()).find("3 attempts") != std::string::npos);
  }
}

TEST_CASE("nats_backend rides out a server restart", "[bus][nats][nats_backend]") {
  rt::nats_server server;
  rb::nats_options opt;
  opt.backoff = 50ms;
  opt.attempts = 12;
  // A publish lost with the dead server's socket is given up after twice this (then checked
  // and resent): keeps the test short.
  opt.request_timeout = 1s;
  rb::nats_backend bus(server.url(), opt);
  auto a = make(10);
  bus.append("q", a);
  server.kill();
  auto b = make(10, 10);
  std::thread t([&] { bus.append("q", b); });
  std::this_thread::sleep_for(300ms);
  server.restart();  // from this thread: the server dies with the thread that started it
  t.join();
  const auto all = rt::read_all(bus, "q");
  REQUIRE(all.size() == 20);
  REQUIRE(all[19].payload == "{\"n\":19}");
}

TEST_CASE("open_bus opens a nats:// url on the NATS backend", "[bus][nats][nats_backend]") {
  const auto url = rt::nats_bus::server().url();
  auto bus = rb::open_bus(url);
  REQUIRE(bus.describe() == url);
  REQUIRE(bus.target<rb::nats_backend>() != nullptr);
  std::vector<rb::record> rs(1);
  rs[0].payload = "{}";
  const auto eid = bus.append("open_bus_q", rs);
  std::vector<rb::record> out;
  REQUIRE(bus.read("open_bus_q", "", 10, out) == 1);
  REQUIRE(out[0].eid == eid);
}

TEST_CASE("nats_backend fails with a clear error when the server stays away", "[bus][nats][nats_backend]") {
  rt::nats_server server;
  rb::nats_options opt;
  opt.attempts = 3;
  opt.backoff = 10ms;
  opt.request_timeout = 200ms;
  rb::nats_backend bus(server.url(), opt);
  auto a = make(5);
  bus.append("q", a);
  server.kill();
  auto b = make(5);
  try {
    bus.append("q", b);
    FAIL("expected nats_error");
  } catch (const rb::nats_error& e) {
    REQUIRE(e.url() == server.url());
    REQUIRE(std::string(e.what()).find(server.url()) != std::string::npos);
  }
  std::vector<rb::record> out;
  REQUIRE_THROWS_AS(bus.read("q", "", 10, out), rb::nats_error);
}

TEST_CASE("nats_backend replaces a read consumer deleted on the server, exactly where the read stood",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  auto admin = fx.reopen();
  auto rs = make(1000);
  bus.append("q", rs);

  // Mid-queue: the consumer still holds records when it disappears.
  std::vector<rb::record> out;
  REQUIRE(bus.read("q", "", 100, out) == 100);
  REQUIRE(delete_consumers(admin, fx.prefix(), "q") == 1);
  REQUIRE(bus.read("q", out.back().eid, 100, out) == 100);
  REQUIRE(payload_numbers(out) == number_range(0, 200));
  REQUIRE(delete_consumers(admin, fx.prefix(), "q") == 1);  // the replacement, gone again
  while (bus.read("q", out.back().eid, 300, out) != 0) {
  }
  REQUIRE(payload_numbers(out) == number_range(0, 1000));

  // Caught up: the read that finds nothing new checks the consumer, which is gone.
  REQUIRE(delete_consumers(admin, fx.prefix(), "q") == 1);
  auto more = make(10, 1000);
  bus.append("q", more);
  REQUIRE(bus.read("q", out.back().eid, 100, out) == 10);
  REQUIRE(payload_numbers(out) == number_range(0, 1010));
  for (std::size_t i = 1; i < out.size(); ++i) REQUIRE(out[i - 1].eid < out[i].eid);
}

TEST_CASE("nats read source: consumers deleted mid-read lose nothing and repeat nothing",
          "[bus][nats][nats_backend]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  auto admin = fx.reopen();
  for (int i = 0; i < 5; ++i) {
    auto rs = make(200, i * 200);
    bus.append("q", rs);
  }
  std::vector<int> seen;
  int deletions = 0;
  for (auto&& e : rb::read(bus, "reader", "q", {.batch = 64})) {
    seen.push_back(e.payload.at("n").get<int>());
    if (seen.size() % 250 == 0) deletions += delete_consumers(admin, fx.prefix(), "q");
  }
  REQUIRE(deletions == 4);
  REQUIRE(seen == number_range(0, 1000));
}

TEST_CASE("nats_backend checkpoint_consumers: each checkpoint has a durable consumer at its position",
          "[bus][nats][nats_backend]") {
  rb::nats_options opt;
  opt.prefix = "cpc" + std::to_string(::getpid());
  opt.checkpoint_consumers = true;
  rb::nats_backend bus(rt::nats_bus::server().url(), opt);
  const std::string stream = opt.prefix + "_Q_q";
  // (ack floor, unprocessed) of the durable consumer `name`, or (0, 0) when there is none.
  const auto progress = [&](const char* name) {
    jsConsumerInfo* ci = nullptr;
    jsErrCode code{};
    if (js_GetConsumerInfo(&ci, bus.connection().js(), stream.c_str(), name, nullptr, &code) != NATS_OK)
      return std::make_pair(std::uint64_t{0}, std::uint64_t{0});
    const auto r = std::make_pair(ci->AckFloor.Stream, ci->NumPending);
    const std::string description = ci->Config->Description != nullptr ? ci->Config->Description : "";
    jsConsumerInfo_Destroy(ci);
    const auto cp = bus.get_checkpoint("bot.a", "q");
    REQUIRE(description == "rstreams checkpoint of bot bot.a: " + (cp ? cp->eid : std::string()));
    return r;
  };

  // No stream yet: the checkpoint commits, there is nothing to position.
  bus.commit_checkpoint("bot.a", "q", std::nullopt, {"z/2024/", 0, 0, 0});
  REQUIRE(bus.mirror_error().empty());
  auto rs = make(100);
  bus.append("q", rs);

  std::vector<rb::record> out;
  REQUIRE(bus.read("q", "", 40, out) == 40);
  bus.commit_checkpoint("bot.a", "q", "z/2024/", {out.back().eid, 40, 0, 0});  // where the read stopped
  REQUIRE(progress("bot=a") == std::make_pair(std::uint64_t{40}, std::uint64_t{60}));
  bus.commit_checkpoint("bot.a", "q", out.back().eid, {rs[89].eid, 90, 0, 0});  // elsewhere: searched
  REQUIRE(progress("bot=a") == std::make_pair(std::uint64_t{90}, std::uint64_t{10}));
  bus.commit_checkpoint("bot.a", "q", std::nullopt, {rs[9].eid, 10, 0, 0}, true);  // moved back
  REQUIRE(progress("bot=a") == std::make_pair(std::uint64_t{10}, std::uint64_t{90}));
  REQUIRE_THROWS_AS(bus.commit_checkpoint("bot.a", "q", rs[89].eid, {rs[99].eid, 100, 0, 0}),
                    rb::stale_checkpoint);
  // A stale commit moves nothing.
  REQUIRE(progress("bot=a") == std::make_pair(std::uint64_t{10}, std::uint64_t{90}));
  REQUIRE(bus.mirror_error().empty());
  REQUIRE(bus.get_checkpoint("bot.a", "q")->eid == rs[9].eid);
}

TEST_CASE("nats_backend stores bot state per bot, replaced whole, next to checkpoints it does not disturb",
          "[bus][nats][nats_backend][bot_state]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  REQUIRE_FALSE(bus.get_bot_state("team.b1"));
  bus.put_bot_state("team.b1", {2, false, "x"});
  bus.put_bot_state("team.b1", {3, true, "y"});
  REQUIRE(bus.get_bot_state("team.b1") == rb::bot_state{3, true, "y"});
  REQUIRE_FALSE(bus.get_bot_state("team"));  // '.' in a bot name is escaped, not a separator
  REQUIRE_FALSE(bus.get_bot_state("b2"));
  REQUIRE(fx.reopen().get_bot_state("team.b1") == rb::bot_state{3, true, "y"});
  REQUIRE_THROWS_AS(bus.put_bot_state("bad name", {}), rstreams::config_error);
  REQUIRE_THROWS_AS(bus.get_bot_state(".hidden"), rstreams::config_error);

  // A bot with only a state is no bot of the listing, as on the local backend.
  REQUIRE(bus.bots().empty());

  // Checkpoints on queues named like the state key's suffix stay apart from the state.
  const rb::checkpoint c1{"z/2024/01/01/00/00/1704067200000-0000001", 1, 5, 6};
  const rb::checkpoint c2{"z/2024/01/01/00/00/1704067200000-0000002", 2, 5, 7};
  bus.commit_checkpoint("team.b1", "state", std::nullopt, c1);
  bus.commit_checkpoint("team.b1", "x.state", std::nullopt, c2);
  bus.put_bot_state("team.b1", {0, false, ""});
  REQUIRE(bus.get_checkpoint("team.b1", "state") == c1);
  REQUIRE(bus.get_checkpoint("team.b1", "x.state") == c2);
  REQUIRE(bus.get_bot_state("team.b1") == rb::bot_state{});
  const auto bots = fx.reopen().bots();
  REQUIRE(bots.size() == 1);
  REQUIRE(bots[0].id == "team.b1");
  REQUIRE(bots[0].checkpoints.size() == 2);
  REQUIRE(bots[0].checkpoints.at("state") == c1);
  REQUIRE(bots[0].checkpoints.at("x.state") == c2);
}

TEST_CASE("nats_backend: an unreadable stored bot state is an io_error naming its key",
          "[bus][nats][nats_backend][bot_state]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  bus.put_bot_state("b1", {1, false, "x"});
  // Another writer (an operator's tool) puts something else under the key.
  kvStore* kv = nullptr;
  const std::string bucket = fx.prefix() + "_checkpoints";
  REQUIRE(js_KeyValue(&kv, bus.connection().js(), bucket.c_str()) == NATS_OK);
  REQUIRE(kvStore_PutString(nullptr, kv, "b1.=state", "{broken") == NATS_OK);
  kvStore_Destroy(kv);
  REQUIRE_THROWS_AS(bus.get_bot_state("b1"), rstreams::io_error);
  REQUIRE_THROWS_WITH(bus.get_bot_state("b1"), Catch::Matchers::Contains(bucket + "/b1.=state") &&
                                                   Catch::Matchers::Contains("unreadable bot state"));
  REQUIRE(bus.bots().empty());
}

// Pause and error count across restarts: tests/bus/bot_test.cpp, run on NATS by shared_bot_test.cpp.

TEST_CASE("any_backend forwards bot state to a wrapped nats_backend",
          "[bus][nats][nats_backend][bot_state]") {
  rt::nats_bus fx;
  rb::any_backend bus(fx.reopen());
  REQUIRE_FALSE(bus.get_bot_state("b1"));
  bus.put_bot_state("b1", {5, true, "boom"});
  REQUIRE(fx.bus().get_bot_state("b1") == rb::bot_state{5, true, "boom"});
  REQUIRE(bus.get_bot_state("b1") == rb::bot_state{5, true, "boom"});
  rb::resume_bot(bus, "b1");
  REQUIRE(fx.bus().get_bot_state("b1") == rb::bot_state{});
  REQUIRE(bus.bots().empty());
}
