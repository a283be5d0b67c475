// Batching by time: events arrive in bursts; batch closes a batch at 5 events or when its first
// event is 100 ms old, whichever comes first (RStreams' {count, time}). The last batch goes out
// when the source ends. Then run_for: an endless source read for a fixed time, after which
// the run stops the source, flushes what is in flight and returns normally.
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/batch.hpp>
#include <rstreams/exec/run_for.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sources/generate.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

int main() {
  // Bursts of 7, 2 and 1 events, with 400 ms of silence between them.
  const std::vector<int> bursts{7, 2, 1};
  auto events = rs::generate([&, burst = std::size_t{0}, left = 7, next = 0]() mutable -> std::optional<int> {
    if (left == 0) {
      if (++burst == bursts.size()) return std::nullopt;
      std::this_thread::sleep_for(400ms);
      left = bursts[burst];
    }
    --left;
    return next++;
  });

  rs::run(std::move(events) | rs::batch({.count = 5, .age = 100ms}) |
          rs::for_each([](const std::vector<int>& b) {
            std::cout << "batch of " << b.size() << ":";
            for (int e : b) std::cout << ' ' << e;
            std::cout << '\n';
          }));

  // An endless ticker, read for 200 ms.
  auto ticks = rs::generate([n = 0]() mutable -> std::optional<int> {
    std::this_thread::sleep_for(1ms);
    return n++;
  });
  const auto read = rs::run_for(std::move(ticks) | rs::async(16) | rs::count(), 200ms);
  std::cout << "run_for stopped the endless source after " << (read > 0 ? "some" : "no") << " ticks\n";
}
