// User sessions: a session ends after 30 minutes without a click. Each session reports its
// clicks and its first and last click, aggregated incrementally (no click is stored).

#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/window.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

struct click {
  std::string user;
  std::chrono::minutes at;  // since midnight
};

struct visit {
  int clicks = 0;
  std::chrono::minutes first = std::chrono::minutes::max();
  std::chrono::minutes last = std::chrono::minutes::min();
};

static std::string hhmm(std::chrono::minutes m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(m.count() / 60),
                static_cast<int>(m.count() % 60));
  return buf;
}

int main() {
  const auto at = [](int h, int m) { return std::chrono::hours(h) + std::chrono::minutes(m); };
  const std::vector<click> clicks{
      {"alice", at(9, 0)},  {"bob", at(9, 5)},     {"alice", at(9, 20)}, {"alice", at(9, 45)},
      {"bob", at(9, 50)},   {"alice", at(10, 30)}, {"bob", at(10, 10)},  {"alice", at(10, 40)},
      {"carol", at(11, 0)}, {"bob", at(12, 0)},
  };

  const auto visits = rs::aggregate(
      visit{},
      [](visit& v, const click& c) {
        ++v.clicks;
        v.first = std::min(v.first, c.at);
        v.last = std::max(v.last, c.at);
      },
      [](visit& v, const visit& o) {
        v.clicks += o.clicks;
        v.first = std::min(v.first, o.first);
        v.last = std::max(v.last, o.last);
      });

  auto sessions = clicks | rs::key_by([](const click& c) { return c.user; }) |
                  rs::window(rs::session(30min), visits,
                             rs::event_time([](const click& c) { return c.at; }).out_of_orderness(30min));

  for (const auto& s : sessions)
    std::printf("%-5s %s-%s %d click%s\n", s.key.c_str(), hhmm(s.value.first).c_str(),
                hhmm(s.value.last).c_str(), s.value.clicks, s.value.clicks == 1 ? "" : "s");
}
