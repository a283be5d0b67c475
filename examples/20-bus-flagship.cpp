// The event bus, end to end: four bots on one bus (a local directory by default, or NATS
// JetStream: the same program, unchanged, given a nats:// URL).
//
//   people.jsonl, orders.jsonl --loader--> [people] [orders]
//   [orders] + [people] --order-enricher (enrich)--> [orders-enriched]   (bad orders -> [orders.error])
//   [orders-enriched] --warehouse (offload)--> demo/warehouse/orders.csv
//   [orders-enriched] --analytics (enrich, batches)--> [analytics]        (running aggregates)
//
// Usage: 20-bus-flagship [bus] [--demo DIR] [--append N]
//   bus: a directory (default ./rstreams-bus), file://<dir>, or nats://host:port (a JetStream
//   server or cluster, when rstreams was built with libnats). The demo's files (its input,
//   copied from examples/data on the first run, and the warehouse file) live in DIR: by default
//   <bus>/demo for a directory bus, ./rstreams-demo for a NATS bus. Run it again: nothing is
//   processed twice. `--append N` appends N new orders to the input first (as new data
//   arriving); the next run processes only those.
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/load.hpp>
#include <rstreams/bus/local/register.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/open_bus.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/ops/drop.hpp>
#if defined(RSTREAMS_EXAMPLES_NATS)
// Makes open_bus("nats://...") open the JetStream backend too (the build defines this macro when
// libnats was found).
#include <rstreams/bus/nats/register.hpp>
#endif

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- the payloads -------------------------------------------------------------------------

struct line_item {
  std::string sku;
  std::string name;
  int qty = 0;
  double price = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(line_item, sku, name, qty, price)

struct order {
  std::string order_id;
  std::string person_id;
  std::string placed_at;
  std::string currency;
  std::vector<line_item> items;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, order_id, person_id, placed_at, currency, items)

struct person {
  std::string id;
  std::string name;
  std::string email;
  std::string country;
  std::string segment;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(person, id, name, email, country, segment)

struct enriched_order {
  std::string order_id;
  std::string month;
  std::string customer_id;
  std::string customer;
  std::string country;
  std::string region;
  std::string segment;
  int items = 0;
  double total = 0;
  std::string size;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(enriched_order, order_id, month, customer_id, customer, country, region,
                                   segment, items, total, size)

// The analytics bot's state, kept as events in its own queue: each snapshot says which input
// eid it covers, so a replay after a crash never counts an order twice.
struct aggregates {
  std::string through;
  std::uint64_t orders = 0;
  double revenue = 0;
  std::map<std::string, double> by_region;
  std::map<std::string, double> by_customer;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(aggregates, through, orders, revenue, by_region, by_customer)

// ---- helpers ------------------------------------------------------------------------------

std::string region_of(const std::string& country) {
  if (country == "US" || country == "CA" || country == "BR") return "americas";
  if (country == "JP" || country == "IN" || country == "AU") return "asia-pacific";
  return "europe";
}

template <class B>
std::uint64_t queue_size(B& bus, const std::string& name) {
  for (const auto& q : bus.queues())
    if (q.name == name) return q.records;
  return 0;
}

// Events in `queue` after the bot's checkpoint.
template <class B>
std::uint64_t lag(B& bus, const std::string& bot, const std::string& queue) {
  const auto cp = bus.get_checkpoint(bot, queue);
  std::vector<rb::record> scratch;
  std::string after = cp ? cp->eid : std::string{};
  std::uint64_t n = 0;
  while (bus.read(queue, after, 1000, scratch) != 0) {
    n += scratch.size();
    after = scratch.back().eid;
    scratch.clear();
  }
  return n;
}

std::string money(double v) {
  return fmt::format("{:.2f}", v);
}

// Where the demo keeps its files: inside a directory bus, or in the working directory when the
// bus is a server.
fs::path default_demo_dir(const std::string& bus_url) {
  if (bus_url.rfind("nats://", 0) == 0) return "rstreams-demo";
  if (bus_url.rfind("file://", 0) == 0) return fs::path(bus_url.substr(7)) / "demo";
  return fs::path(bus_url) / "demo";
}

// New orders for --append: deterministic, numbered after the last line of the input.
void append_orders(const fs::path& file, int n) {
  std::size_t existing = 0;
  {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) ++existing;
  }
  std::ofstream out(file, std::ios::app);
  for (int i = 0; i < n; ++i) {
    const auto k = existing + static_cast<std::size_t>(i) + 1;
    order o{fmt::format("o{:05}", k),
            fmt::format("p{:04}", k % 200 + 1),
            "2024-07-01T12:00:00Z",
            "EUR",
            {{"KB-101", "keyboard", static_cast<int>(k % 3) + 1, 49.9}}};
    out << json(o).dump() << '\n';
  }
}

int main(int argc, char** argv) try {
  std::string url = "rstreams-bus";
  std::optional<fs::path> demo_arg;
  int append = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--append" && i + 1 < argc)
      append = std::atoi(argv[++i]);
    else if (a == "--demo" && i + 1 < argc)
      demo_arg = argv[++i];
    else
      url = a;
  }

  auto bus = rb::open_bus(url);
  const fs::path demo = demo_arg.value_or(default_demo_dir(url));
  fs::create_directories(demo / "input");
  fs::create_directories(demo / "warehouse");
  for (const char* name : {"people.jsonl", "orders.jsonl"})
    if (!fs::exists(demo / "input" / name))
      fs::copy_file(fs::path(RSTREAMS_EXAMPLES_DIR) / "data" / name, demo / "input" / name);
  if (append > 0) append_orders(demo / "input" / "orders.jsonl", append);

  // ---- loader: the lines not yet in each queue (the queue's size is the loader's position,
  // so a rerun loads nothing twice and appended lines are loaded once).
  std::uint64_t loaded_people = 0, loaded_orders = 0;
  rb::bot<rb::any_backend> loader(bus, {.id = "loader"}, [&](const rstreams::run_context& ctx) {
    rb::bot_stats s;
    const auto load_file = [&](const char* file, const char* queue) {
      const auto path = (demo / "input" / file).string();
      const auto r = rstreams::run(rstreams::read_lines(path) | rstreams::drop(queue_size(bus, queue)) |
                                       rstreams::parse(rstreams::parse_options{.source = path}) |
                                       rb::load(bus, "loader", queue, {.records = 500}),
                                   ctx);
      s.in += r.events;
      s.out += r.events;
      return r.events;
    };
    loaded_people = load_file("people.jsonl", "people");
    loaded_orders = load_file("orders.jsonl", "orders");
    return s;
  });

  // ---- order-enricher: joins each order with its customer and derives its figures.
  std::map<std::string, person> people;
  rb::enrich_options enrich_opts{.bot = "order-enricher", .in = "orders", .out = "orders-enriched"};
  enrich_opts.on_failure = rb::on_failure::dead_letter;  // malformed orders go to orders.error
  auto enricher = rb::make_enrich_bot(bus, enrich_opts, [&](const order& o) -> std::optional<enriched_order> {
    const auto who = people.find(o.person_id);
    if (who == people.end()) throw std::runtime_error("unknown customer " + o.person_id);
    enriched_order e{o.order_id,
                     o.placed_at.substr(0, 7),
                     who->first,
                     who->second.name,
                     who->second.country,
                     region_of(who->second.country),
                     who->second.segment,
                     0,
                     0.0,
                     ""};
    for (const auto& item : o.items) {
      e.items += item.qty;
      e.total += item.qty * item.price;
    }
    e.size = e.total < 100 ? "small" : e.total < 500 ? "medium" : "large";
    return e;
  });

  // ---- warehouse: appends each batch to a CSV file; its checkpoint moves once the rows are
  // flushed to the file.
  const auto csv = demo / "warehouse" / "orders.csv";
  auto warehouse = rb::make_offload_bot(
      bus, {.bot = "warehouse", .in = "orders-enriched", .batch = 250},
      [&](const std::vector<rb::event<enriched_order>>& batch) {
        const bool fresh = !fs::exists(csv);
        std::ofstream out(csv, std::ios::app);
        if (fresh) out << "order_id,month,customer_id,region,segment,items,total,size\n";
        for (const auto& e : batch) {
          const auto& o = e.payload;
          out << o.order_id << ',' << o.month << ',' << o.customer_id << ',' << o.region << ',' << o.segment
              << ',' << o.items << ',' << money(o.total) << ',' << o.size << '\n';
        }
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + csv.string());
      });

  // ---- analytics: running aggregates, one snapshot event per batch of orders (N->1).
  aggregates state;
  rb::enrich_options analytics_opts{.bot = "analytics", .in = "orders-enriched", .out = "analytics"};
  analytics_opts.batch = 250;
  auto analytics = rb::make_enrich_bot(
      bus, analytics_opts,
      [&](const std::vector<rb::event<enriched_order>>& batch) -> std::optional<aggregates> {
        bool changed = false;
        for (const auto& e : batch) {
          if (e.eid <= state.through) continue;  // already in the snapshot (a replay)
          ++state.orders;
          state.revenue += e.payload.total;
          state.by_region[e.payload.region] += e.payload.total;
          state.by_customer[e.payload.customer + " (" + e.payload.customer_id + ")"] += e.payload.total;
          state.through = e.eid;
          changed = true;
        }
        if (!changed) return std::nullopt;
        return state;
      });

  // ---- run them, in the order of the graph.
  const auto started = std::chrono::steady_clock::now();
  loader.run_once();
  for (auto&& e : rb::read_as<person>(bus, "order-enricher", "people", {.start = "z/"}))
    people[e.payload.id] = e.payload;
  enricher.run_once();
  warehouse.run_once();
  for (auto&& e : rb::read_as<aggregates>(bus, "analytics", "analytics", {.start = "z/"})) state = e.payload;
  analytics.run_once();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);

  // ---- report
  fmt::print("bus {}\n", bus.describe());
  fmt::print("loaded {} people and {} orders\n", loaded_people, loaded_orders);
  fmt::print("{:<15} {:>6} {:>6} {:>5}  {:<17} {:>10} {:>4}\n", "bot", "in", "out", "dead", "reads",
             "checkpoint", "lag");
  const auto row = [&](const auto& b, const std::string& queue) {
    const auto& s = b.status().last;
    const auto cp = bus.get_checkpoint(b.id(), queue);
    fmt::print("{:<15} {:>6} {:>6} {:>5}  {:<17} {:>10} {:>4}\n", b.id(), s.in, s.out, s.dead_letters, queue,
               cp ? fmt::format("{}/{}", cp->records, queue_size(bus, queue)) : std::string("-"),
               lag(bus, b.id(), queue));
  };
  fmt::print("{:<15} {:>6} {:>6} {:>5}  {:<17} {:>10} {:>4}\n", "loader", loader.status().last.in,
             loader.status().last.out, 0, "input files", "-", "-");
  row(enricher, "orders");
  row(warehouse, "orders-enriched");
  row(analytics, "orders-enriched");
  fmt::print("queues:");
  for (const auto& q : bus.queues()) fmt::print(" {}={}", q.name, q.records);
  fmt::print("\n");

  std::uint64_t rows = 0;
  {
    std::ifstream in(csv);
    for (std::string line; std::getline(in, line);) ++rows;
  }
  fmt::print("warehouse: {} rows in {}\n", rows > 0 ? rows - 1 : 0, csv.generic_string());
  fmt::print("analytics: {} orders, revenue {} EUR, average {}\n", state.orders, money(state.revenue),
             money(state.orders ? state.revenue / static_cast<double>(state.orders) : 0.0));
  for (const auto& [region, revenue] : state.by_region)
    fmt::print("  {:<13} {:>10}\n", region, money(revenue));
  std::vector<std::pair<std::string, double>> top(state.by_customer.begin(), state.by_customer.end());
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (std::size_t i = 0; i < std::min<std::size_t>(3, top.size()); ++i)
    fmt::print("  top {}: {} {}\n", i + 1, top[i].first, money(top[i].second));
  if (const auto dead = lag(bus, "nobody", "orders.error"); dead > 0) {
    fmt::print("dead letters in orders.error: {}\n", dead);
    for (auto&& e : rb::read(bus, "nobody", "orders.error", {.limit = 1}))
      fmt::print("  first: {}\n", e.payload["error"].get<std::string>().substr(
                                      e.payload["error"].get<std::string>().find("payload does not decode")));
  }
  fmt::print("done in {} ms\n", ms.count());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "20-bus-flagship: %s\n", e.what());
  return 1;
}
