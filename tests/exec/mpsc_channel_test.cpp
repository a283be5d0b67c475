#include <rstreams/core/error.hpp>
#include <rstreams/exec/mpsc_channel.hpp>

#include <support/catch.hpp>

#include <deque>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

namespace rs = rstreams;

TEST_CASE("an mpsc channel collects the batches of several producers", "[exec][mpsc_channel]") {
  rs::mpsc_channel<int> ch(4, 2);
  auto produce = [&](int base) {
    std::vector<int> local;
    for (int i = 0; i < 100;) {
      const std::size_t room = ch.reserve(3, {});
      for (std::size_t k = 0; k < room && i < 100; ++k) local.push_back(base + i++);
      ch.put(local, room);
    }
    ch.done();
  };
  std::thread a(produce, 0), b(produce, 1000);
  std::deque<int> got;
  std::size_t total = 0;
  while (ch.take(got, {})) {
    total += got.size();
    ch.release(got.size());
    got.clear();
  }
  a.join();
  b.join();
  REQUIRE(total == 200);
}

TEST_CASE("an mpsc channel hands a producer's error to the consumer", "[exec][mpsc_channel]") {
  rs::mpsc_channel<int> ch(2, 1);
  ch.done(std::make_exception_ptr(std::runtime_error("producer died")));
  std::deque<int> got;
  REQUIRE_THROWS_WITH(ch.take(got, {}), "producer died");
}

TEST_CASE("a producer waiting for room gives up on cancel or stop", "[exec][mpsc_channel]") {
  rs::mpsc_channel<int> ch(1, 1);
  REQUIRE(ch.reserve(5, {}) == 1);
  std::stop_source stop;
  std::thread waiter([&] { REQUIRE(ch.reserve(1, stop.get_token()) == 0); });
  stop.request_stop();
  waiter.join();
  ch.cancel();
  REQUIRE(ch.reserve(1, {}) == 0);
  REQUIRE_THROWS_AS(rs::mpsc_channel<int>(0, 1), rs::config_error);
}
