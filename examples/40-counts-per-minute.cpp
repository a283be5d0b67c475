// Per-minute page views per page, by event time: events arrive slightly out of order, a
// watermark 10 s behind the latest event closes each minute, and an event that comes after
// its minute has closed goes to a side sink.

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/window.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

struct page_view {
  std::string page;
  std::chrono::seconds at;  // since midnight
};

static std::string clock_time(std::chrono::nanoseconds t) {
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(t).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(m / 60 % 24), static_cast<int>(m % 60));
  return buf;
}

int main() {
  const auto t = [](int h, int m, int s) {
    return std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
  };
  const std::vector<page_view> views{
      {"/home", t(12, 0, 5)},  {"/cart", t(12, 0, 20)}, {"/home", t(12, 0, 59)},
      {"/home", t(12, 1, 3)},  {"/home", t(12, 0, 58)},  // 5 s out of order: still counted in 12:00
      {"/cart", t(12, 1, 30)}, {"/home", t(12, 2, 15)}, {"/cart", t(12, 2, 40)},
      {"/cart", t(12, 1, 10)},  // 90 s late: its minute has closed
      {"/home", t(12, 3, 1)},
  };

  rs::agg_counters counters;
  auto per_minute =
      rs::key_by([](const page_view& v) { return v.page; }) |
      rs::window(rs::tumbling(1min), rs::counting(),
                 rs::event_time([](const page_view& v) { return v.at; })
                     .out_of_orderness(10s)
                     .on_late([](const rs::keyed<std::string, page_view>& v) {
                       std::printf("late: %s at %s\n", v.key.c_str(), clock_time(v.value.at).c_str());
                     })
                     .counters(&counters)
                     .batch(1));  // one event per step, so output interleaves as it happens

  for (const auto& w : views | per_minute)
    std::printf("%s-%s %-6s %llu\n", clock_time(w.start).c_str(), clock_time(w.end).c_str(), w.key.c_str(),
                static_cast<unsigned long long>(w.value));
  std::printf("%llu events, %llu late\n", static_cast<unsigned long long>(counters.elements),
              static_cast<unsigned long long>(counters.late));
}
