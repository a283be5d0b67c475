// The event bus on NATS JetStream, and a bot's progress as the server shows it.
//
// Usage: 50-nats-bot-progress nats://host:port     (a JetStream server with a fresh store)
//
// Puts 600 orders into a queue, runs an enrich bot that keeps the big ones, puts 400 more
// orders, and asks the server where the bot stands. The bot's checkpoint is a key-value entry
// (a compare-and-set, see nats_backend.hpp); with `nats_options::checkpoint_consumers` each
// checkpoint also keeps a durable consumer named after the bot, acknowledged up to the
// checkpoint, so `nats consumer info demo50_Q_orders big-orders` shows the bot's progress
// (ack floor) and its lag (unprocessed). The bot runs again and catches up.
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/put.hpp>
#if defined(RSTREAMS_EXAMPLES_NATS)  // defined by the build when libnats was found
#include <rstreams/bus/nats/nats_backend.hpp>

#include <nats/nats.h>
#endif

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace rb = rstreams::bus;

struct order {
  int n = 0;
  double total = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, n, total)

struct big_order {
  int n = 0;
  double total = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(big_order, n, total)

std::vector<order> orders(int from, int count) {
  std::vector<order> out;
  for (int i = from; i < from + count; ++i) out.push_back({i, static_cast<double>((i * 37) % 1000)});
  return out;
}

#if defined(RSTREAMS_EXAMPLES_NATS)
// What `nats consumer info <stream> <consumer>` reports about the bot's consumer.
void show_consumer(rb::nats_backend& bus, const std::string& stream, const std::string& name) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode code{};
  if (js_GetConsumerInfo(&ci, bus.connection().js(), stream.c_str(), name.c_str(), nullptr, &code) !=
      NATS_OK) {
    fmt::print("consumer {} on {}: none\n", name, stream);
    return;
  }
  fmt::print("consumer {} on {}: ack floor {}, unprocessed {}\n", name, stream, ci->AckFloor.Stream,
             ci->NumPending);
  jsConsumerInfo_Destroy(ci);
}
#endif

int main(int argc, char** argv) try {
#if !defined(RSTREAMS_EXAMPLES_NATS)
  (void)argc;
  (void)argv;
  std::fprintf(stderr, "50-nats-bot-progress: rstreams was built without libnats\n");
  return 0;
#else
  if (argc != 2) {
    std::fprintf(stderr, "usage: 50-nats-bot-progress nats://host:port\n");
    return 2;
  }
  rb::nats_options opt;
  opt.prefix = "demo50";
  opt.checkpoint_consumers = true;
  rb::nats_backend bus(argv[1], opt);
  fmt::print("bus {} (prefix {}, checkpoint consumers on)\n", bus.describe(), opt.prefix);

  const auto keep_big = [](const order& o) -> std::optional<big_order> {
    if (o.total < 500) return std::nullopt;
    return big_order{o.n, o.total};
  };
  const rb::enrich_options bot{.bot = "big-orders", .in = "orders", .out = "big-orders"};
  const std::string stream = opt.prefix + "_Q_orders";

  rb::put_events(bus, "shop", "orders", orders(0, 600));
  fmt::print("put 600 orders\n");
  auto s = rb::enrich(bus, bot, keep_big);
  fmt::print("big-orders ran: in {}, out {}\n", s.in, s.out);

  rb::put_events(bus, "shop", "orders", orders(600, 400));
  fmt::print("put 400 more orders\n");
  fmt::print("checkpoint of big-orders on orders: {} records\n",
             bus.get_checkpoint("big-orders", "orders")->records);
  show_consumer(bus, stream, "big-orders");

  s = rb::enrich(bus, bot, keep_big);
  fmt::print("big-orders ran: in {}, out {}\n", s.in, s.out);
  show_consumer(bus, stream, "big-orders");
  if (const auto e = bus.mirror_error(); !e.empty()) fmt::print("consumer not updated: {}\n", e);
  return 0;
#endif
} catch (const std::exception& e) {
  std::fprintf(stderr, "50-nats-bot-progress: %s\n", e.what());
  return 1;
}
