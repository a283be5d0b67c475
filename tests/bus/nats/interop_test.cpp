// Events on NATS are readable and writable by clients that are not rstreams: plain libnats C
// calls here, and a Node script using the `nats` npm package (tests/compat/nats_interop.js,
// installed with `npm ci` in tests/compat) against the same real nats-server.

#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_backend.hpp>
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/nats_bus.hpp>
#include <support/temp_file.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
// A plain libnats connection and JetStream context.
struct plain_client {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  plain_client() {
    REQUIRE(natsConnection_ConnectTo(&nc, rt::nats_bus::server().url().c_str()) == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  }
  ~plain_client() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
  std::string header(natsMsg* m, const char* key) {
    const char* v = nullptr;
    return natsMsgHeader_Get(m, key, &v) == NATS_OK && v != nullptr ? std::string(v) : std::string("(none)");
  }
};

const fs::path compat_dir = fs::path(RSTREAMS_SOURCE_DIR) / "tests" / "compat";

std::string missing_node_side() {
  if (std::system("command -v node > /dev/null 2>&1") != 0)
    return "node is not installed (apt-get install nodejs npm), then run `npm ci` in " + compat_dir.string();
  if (!fs::exists(compat_dir / "node_modules" / "nats" / "package.json"))
    return "the Node side is not installed: run `npm ci` in " + compat_dir.string();
  return {};
}
}  // namespace

TEST_CASE("nats: a plain libnats client reads rstreams events as headers and a JSON body",
          "[nats][interop]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  const auto eid = rb::put(bus, "loader", "orders", json{{"n", 1}, {"name", "x"}});
  plain_client c;
  natsMsg* m = nullptr;
  REQUIRE(js_GetMsg(&m, c.js, (fx.prefix() + "_Q_orders").c_str(), 1, nullptr, nullptr) == NATS_OK);
  REQUIRE(c.header(m, "Rstreams-Format") == "2");
  REQUIRE(c.header(m, "Rstreams-Eid") == eid);
  REQUIRE(c.header(m, "Rstreams-Id") == "loader");
  REQUIRE(c.header(m, "Rstreams-Event") == "orders");
  REQUIRE(std::stoll(c.header(m, "Rstreams-Timestamp")) > 0);
  REQUIRE(c.header(m, "Rstreams-Event-Source-Timestamp") == c.header(m, "Rstreams-Timestamp"));
  REQUIRE(json::parse(std::string(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)))) ==
          json{{"n", 1}, {"name", "x"}});
  natsMsg_Destroy(m);
}

TEST_CASE("nats: rstreams reads events a plain libnats client wrote, and old binary frames",
          "[nats][interop]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  const auto first = rb::put(bus, "loader", "orders", json{{"n", 1}});
  plain_client c;
  const auto subject = fx.prefix() + ".q.orders";
  // Format 1: the binary frame rstreams wrote before (version "RS1").
  rb::record old;
  old.eid = rb::make_eid(rb::parse_eid(first).ms + 1, 0);
  old.id = "old-writer";
  old.event = "orders";
  old.timestamp = 5;
  old.event_source_timestamp = 4;
  old.payload = R"({"n":2})";
  std::string frame;
  rb::detail::encode_nats_record(old, frame);
  jsPubAck* pa = nullptr;
  REQUIRE(js_Publish(&pa, c.js, subject.c_str(), frame.data(), static_cast<int>(frame.size()), nullptr,
                     nullptr) == NATS_OK);
  jsPubAck_Destroy(pa);
  // Format 2 written by hand: headers and a JSON body.
  const auto mine = rb::make_eid(rb::parse_eid(first).ms + 2, 0);
  natsMsg* m = nullptr;
  const std::string body = R"({"n":3,"from":"c"})";
  REQUIRE(natsMsg_Create(&m, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())) ==
          NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Eid", mine.c_str()) == NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Id", "c-bot") == NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Event-Source-Timestamp", "1705321800000") == NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Correlation-Id", R"({"source":"up","start":"z/2024/","units":1})") ==
          NATS_OK);
  pa = nullptr;
  REQUIRE(js_PublishMsg(&pa, c.js, m, nullptr, nullptr) == NATS_OK);
  jsPubAck_Destroy(pa);
  natsMsg_Destroy(m);

  const auto got = rt::read_all(bus, "orders");
  REQUIRE(got.size() == 3);
  REQUIRE(got[1].eid == old.eid);
  REQUIRE(got[1].id == "old-writer");
  REQUIRE(got[1].payload == R"({"n":2})");
  REQUIRE(got[1].event_source_timestamp == 4);
  REQUIRE(got[2].eid == mine);
  REQUIRE(got[2].id == "c-bot");
  REQUIRE(got[2].event == "orders");
  REQUIRE(got[2].event_source_timestamp == 1705321800000);
  REQUIRE(got[2].correlation_id == rb::correlation{"up", "z/2024/", "", 1});
  REQUIRE(json::parse(got[2].payload) == json{{"n", 3}, {"from", "c"}});
  // rstreams appends after the foreign events.
  REQUIRE(rb::put(bus, "loader", "orders", json{{"n", 4}}) > mine);
  REQUIRE(rt::read_all(bus, "orders").size() == 4);
}

TEST_CASE("nats: a message another client wrote badly fails the read at it, every time, never skipped",
          "[nats][interop]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  const auto first = rb::put(bus, "loader", "orders", json{{"n", 1}});
  plain_client c;
  const auto subject = fx.prefix() + ".q.orders";
  const auto bad = rb::make_eid(rb::parse_eid(first).ms + 1, 0);
  natsMsg* m = nullptr;
  REQUIRE(natsMsg_Create(&m, subject.c_str(), nullptr, "{}", 2) == NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Eid", bad.c_str()) == NATS_OK);
  REQUIRE(natsMsgHeader_Set(m, "Rstreams-Timestamp", "12x") == NATS_OK);
  jsPubAck* pa = nullptr;
  REQUIRE(js_PublishMsg(&pa, c.js, m, nullptr, nullptr) == NATS_OK);
  jsPubAck_Destroy(pa);
  natsMsg_Destroy(m);
  const auto after_bad = rb::put(bus, "loader", "orders", json{{"n", 3}});
  REQUIRE(after_bad > bad);

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<rb::record> out;
    REQUIRE_THROWS_WITH(bus.read("orders", "", 100, out),
                        Catch::Contains("Rstreams-Timestamp is not a number: \"12x\""));
    REQUIRE(out.size() == 1);  // the good event before it was read
    REQUIRE(out[0].eid == first);
  }
  // Reading on from the bad event itself reaches the rest.
  std::vector<rb::record> rest;
  REQUIRE(bus.read("orders", bad, 100, rest) == 1);
  REQUIRE(rest[0].eid == after_bad);
}

TEST_CASE("nats: a Node client with the nats package reads and writes rstreams events",
          "[nats][interop][node]") {
  if (const auto why = missing_node_side(); !why.empty()) FAIL(why);
  rt::nats_bus fx;
  auto& bus = fx.bus();
  const auto first = rb::put(bus, "loader", "orders", json{{"n", 1}});
  rt::temp_file out("node-read", ".jsonl");
  const auto node = "cd '" + compat_dir.string() + "' && node nats_interop.js ";
  const auto url = rt::nats_bus::server().url();
  REQUIRE(std::system((node + "read " + url + " " + fx.prefix() + "_Q_orders > '" + out.path().string() + "'")
                          .c_str()) == 0);
  std::ifstream in(out.path());
  std::string line;
  REQUIRE(std::getline(in, line));
  const auto seen = json::parse(line);
  REQUIRE(seen["headers"]["Rstreams-Eid"] == first);
  REQUIRE(seen["headers"]["Rstreams-Id"] == "loader");
  REQUIRE(seen["body"] == json{{"n", 1}});

  const auto next = rb::make_eid(rb::parse_eid(first).ms + 1, 0);
  REQUIRE(std::system(
              (node + "write " + url + " " + fx.prefix() + ".q.orders " + next + " '{\"n\":2}'").c_str()) ==
          0);
  const auto got = rt::read_all(bus, "orders");
  REQUIRE(got.size() == 2);
  REQUIRE(got[1].eid == next);
  REQUIRE(got[1].id == "node-bot");
  REQUIRE(got[1].event_source_timestamp == 1705321800000);
  REQUIRE(json::parse(got[1].payload) == json{{"n", 2}});
}

TEST_CASE("nats: events with an empty id or event read back whole", "[nats][interop]") {
  rt::nats_bus fx;
  auto& bus = fx.bus();
  std::vector<rb::record> rs(2);
  rs[0].payload = "{}";
  rs[1].id = "b";
  rs[1].payload = "[1]";
  bus.append("q", rs);
  const auto got = rt::read_all(bus, "q");
  REQUIRE(got.size() == 2);
  REQUIRE(got[0].id.empty());
  REQUIRE(got[0].event == "q");
  REQUIRE(got[0].payload == "{}");
  REQUIRE(got[1].id == "b");
}
