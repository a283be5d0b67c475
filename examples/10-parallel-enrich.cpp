// Enriching a stream through a slow lookup: each order needs its customer from a service that
// takes ~20 ms to answer. parallel_map keeps 8 lookups in flight and still hands the orders
// out in their original order; a customer the service does not know goes to a dead-letter
// sink instead of stopping the pipeline.
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sources/iota.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

struct order {
  int id;
  int customer;
};

struct enriched {
  int id;
  std::string customer;
  std::string country;
};

// The "remote service": slow, and it throws for customers it does not know.
enriched lookup(const order& o) {
  static const std::map<int, std::pair<std::string, std::string>> customers{
      {0, {"Ada", "NL"}}, {1, {"Grace", "US"}}, {2, {"Linus", "FI"}}, {3, {"Barbara", "US"}}};
  std::this_thread::sleep_for(20ms);
  const auto it = customers.find(o.customer);
  if (it == customers.end()) throw std::runtime_error("unknown customer " + std::to_string(o.customer));
  return {o.id, it->second.first, it->second.second};
}

int main() {
  const auto started = std::chrono::steady_clock::now();
  // The dead-letter sink is called on the worker that failed (one call at a time); keep the
  // records and report them after the run.
  std::vector<rs::dead_letter_record<order>> rejected;
  auto pipeline =
      rs::iota(1, 17) | rs::transform([](int id) {
        return order{id, id % 5};
      }) |
      rs::parallel_map(8, lookup, rs::on_error::dead_letter{[&](rs::dead_letter_record<order>&& r) {
                         rejected.push_back(std::move(r));
                       }}) |
      rs::for_each([](const enriched& e) {
        std::cout << "order " << e.id << ": " << e.customer << " (" << e.country << ")\n";
      });
  const auto delivered = rs::run(pipeline);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::sort(rejected.begin(), rejected.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& r : rejected)
    std::cout << "dead letter: order " << r.element.id << " after " << r.attempts
              << " attempt(s): " << r.reason << '\n';
  std::cout << delivered << " orders enriched, " << rejected.size() << " rejected\n";
  // 16 lookups of 20 ms one after another would take 320 ms; 8 at a time take about 40 ms.
  std::cout << "took "
            << (ms < 250ms ? "less than 250 ms" : "too long: " + std::to_string(ms.count()) + " ms") << '\n';
}
