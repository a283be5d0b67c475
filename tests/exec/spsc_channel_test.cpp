#include <rstreams/core/error.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(!std::is_copy_constructible_v<rs::spsc_channel<int>>);

TEST_CASE("a channel rejects a zero capacity", "[exec][spsc_channel]") {
  REQUIRE_THROWS_AS(rs::spsc_channel<int>(0), rs::config_error);
  REQUIRE_THROWS_WITH(rs::spsc_channel<int>(0), "rstreams: a channel capacity must be at least 1");
  REQUIRE_THROWS_AS(rs::spsc_channel<int>(static_cast<std::size_t>(-1)), rs::config_error);
}

TEST_CASE("a channel holds at most its capacity, even when its ring is larger", "[exec][spsc_channel]") {
  rs::spsc_channel<std::string> ch(3);  // the ring rounds up to 4 slots
  REQUIRE(ch.free_space() == 3);
  for (int i = 0; i < 3; ++i) ch.emplace(std::to_string(i));
  REQUIRE(ch.free_space() == 0);
  ch.publish();
  REQUIRE(ch.available() == 3);
  std::vector<std::string> got;
  REQUIRE(ch.consume(2, [&](std::string&& s) {
    got.push_back(std::move(s));
    return true;
  }) == 2);
  REQUIRE(ch.free_space() == 2);
  ch.emplace("3");
  ch.close();
  while (ch.wait_for_items() != 0)
    ch.consume(10, [&](std::string&& s) {
      got.push_back(std::move(s));
      return true;
    });
  REQUIRE(got == std::vector<std::string>{"0", "1", "2", "3"});
  REQUIRE(ch.error() == nullptr);
}

TEST_CASE("a channel keeps items it still holds alive until it is destroyed", "[exec][spsc_channel]") {
  auto counter = std::make_shared<int>(0);
  {
    rs::spsc_channel<std::shared_ptr<int>> ch(4);
    ch.emplace(counter);
    ch.emplace(counter);
    ch.publish();
    REQUIRE(counter.use_count() == 3);
  }
  REQUIRE(counter.use_count() == 1);
}

TEST_CASE("a channel moves every item across threads in order", "[exec][spsc_channel]") {
  rs::spsc_channel<std::uint64_t> ch(16);
  constexpr std::uint64_t n = 200'000;
  std::thread producer([&] {
    std::uint64_t i = 0;
    while (i < n) {
      std::size_t free = ch.wait_for_space();
      for (; free != 0 && i < n; --free) ch.emplace(i++);
      ch.publish();
    }
    ch.close();
  });
  std::uint64_t expected = 0;
  bool in_order = true;
  while (ch.wait_for_items() != 0)
    ch.consume(7, [&](std::uint64_t x) {
      in_order = in_order && x == expected;
      ++expected;
      return true;
    });
  producer.join();
  REQUIRE(in_order);
  REQUIRE(expected == n);
}

TEST_CASE("a producer error reaches the consumer after the items before it", "[exec][spsc_channel]") {
  rs::spsc_channel<int> ch(4);
  std::thread producer([&] {
    ch.wait_for_space();
    ch.emplace(1);
    ch.close(std::make_exception_ptr(std::runtime_error("broken")));
  });
  std::vector<int> got;
  while (ch.wait_for_items() != 0)
    ch.consume(4, [&](int x) {
      got.push_back(x);
      return true;
    });
  producer.join();
  REQUIRE(got == std::vector<int>{1});
  REQUIRE_THROWS_WITH(std::rethrow_exception(ch.error()), "broken");
}

TEST_CASE("a producer waiting for space wakes on cancel and on stop", "[exec][spsc_channel]") {
  rs::spsc_channel<int> ch(1);
  ch.emplace(0);
  ch.publish();
  SECTION("cancel") {
    std::thread producer([&] { REQUIRE(ch.wait_for_space() == 0); });
    ch.cancel();
    producer.join();
    REQUIRE(ch.cancelled());
  }
  SECTION("stop") {
    std::stop_source stop;
    std::thread producer([&] { REQUIRE(ch.wait_for_space(stop.get_token()) == 0); });
    stop.request_stop();
    producer.join();
  }
}

TEST_CASE("a consumer waiting for items wakes on stop", "[exec][spsc_channel]") {
  rs::spsc_channel<int> ch(2);
  std::stop_source stop;
  std::thread consumer([&] { REQUIRE(ch.wait_for_items(stop.get_token()) == 0); });
  stop.request_stop();
  consumer.join();
}
