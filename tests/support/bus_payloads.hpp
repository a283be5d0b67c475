#pragma once
// The small payload types and loaders the bus tests and the backend contract cases share:
// orders, people and numbered items as typed events, the numbers of numbered records, and a poll
// for what a bot thread does.

#include <rstreams/bus/put.hpp>
#include <rstreams/bus/record.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace rstreams::test {

struct order {
  int id = 0;
  double total = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, total)

struct person {
  std::string name;
  int age = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(person, name, age)

struct greeting {
  std::string text;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(greeting, text)

struct item {
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(item, n)

/// The "n" of each record's payload (`{"n": ...}`, as numbered records carry it), in order.
inline std::vector<int> payload_numbers(const std::vector<rstreams::bus::record>& rs) {
  std::vector<int> ns;
  for (const auto& r : rs) ns.push_back(nlohmann::json::parse(r.payload).at("n").get<int>());
  return ns;
}

/// from, from + 1, ..., to - 1: what payload_numbers gives for records numbered in order.
inline std::vector<int> number_range(int from, int to) {
  std::vector<int> ns;
  for (int n = from; n < to; ++n) ns.push_back(n);
  return ns;
}

/// Orders 0..n-1 (total = id * 1.5) put by bot "shop" into "orders"; their eids.
template <class B>
std::vector<std::string> put_orders(B& bus, int n) {
  std::vector<order> v;
  for (int i = 0; i < n; ++i) v.push_back({i, i * 1.5});
  return rstreams::bus::put_events(bus, "shop", "orders", v);
}

/// People p0..p(n-1) (age 20 + i) put by bot "loader" into `queue`; their eids.
template <class B>
std::vector<std::string> put_people(B& bus, int n, const char* queue = "people") {
  std::vector<person> people;
  for (int i = 0; i < n; ++i) people.push_back({"p" + std::to_string(i), 20 + i});
  return rstreams::bus::put_events(bus, "loader", queue, people);
}

/// Items numbered from..to-1 put by bot "loader" into "items"; their eids.
template <class B>
std::vector<std::string> put_items(B& bus, int from, int to) {
  std::vector<item> v;
  for (int i = from; i < to; ++i) v.push_back({i});
  return rstreams::bus::put_events(bus, "loader", "items", v);
}

/// Polls `done` for up to 5 s (a bot thread is expected to get there much sooner).
template <class P>
bool eventually(P done) {
  using namespace std::chrono_literals;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace rstreams::test
