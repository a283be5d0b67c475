// The append's encode buffer: one per thread, growing without losing what is encoded, given back
// after an oversized batch; appends to many queues on one thread share it.

#include <rstreams/bus/local/encode_buffer.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rd = rstreams::bus::detail;

using rstreams::test::no_fsync;
using rstreams::test::number_range;
using rstreams::test::numbered_records;
using rstreams::test::payload_numbers;
using rstreams::test::read_every;

TEST_CASE("the encode buffer grows keeping the bytes already encoded", "[bus][local][encode_buffer]") {
  rd::encode_buffer b;
  REQUIRE(b.size() == 0);
  b.grow(10, 0);
  REQUIRE(b.size() >= 10);
  const std::string text = "frames encoded so far";
  text.copy(b.data(), text.size());
  const auto first = b.size();
  b.grow(first + 1, text.size());
  REQUIRE(b.size() >= 2 * first);  // doubles at least, so a growing batch moves its bytes rarely
  REQUIRE(std::string(b.data(), text.size()) == text);
  b.grow(10 * b.size(), text.size());
  REQUIRE(std::string(b.data(), text.size()) == text);
}

TEST_CASE("the encode buffer is given back only past the limit", "[bus][local][encode_buffer]") {
  rd::encode_buffer b;
  b.grow(std::size_t{1} << 20, 0);
  const auto size = b.size();
  b.release_above(size);
  REQUIRE(b.size() == size);
  b.release_above(size - 1);
  REQUIRE(b.size() == 0);
  REQUIRE(b.data() == nullptr);
}

TEST_CASE("each thread has its own encode buffer", "[bus][local][encode_buffer]") {
  auto* mine = &rd::encode_buffer::for_this_thread();
  REQUIRE(&rd::encode_buffer::for_this_thread() == mine);
  rd::encode_buffer* theirs = nullptr;
  std::thread([&] { theirs = &rd::encode_buffer::for_this_thread(); }).join();
  REQUIRE(theirs != mine);
}

TEST_CASE("appends to many queues on one thread share one encode buffer, sized by the largest batch",
          "[bus][local][encode_buffer]") {
  rstreams::test::temp_file dir("encode-buffer", "");
  std::size_t after_first = 0;
  std::size_t after_all = 0;
  // A thread of its own, so the buffer starts empty whatever ran before on the test's thread.
  std::thread([&] {
    rb::local_backend bus(dir.path().string(), no_fsync());
    // Numbers of five digits: every batch encodes to the same size.
    auto batch = numbered_records(10000, 500, 100);
    bus.append("q0", batch);
    after_first = rd::encode_buffer::for_this_thread().size();
    for (int q = 1; q < 20; ++q) {
      batch = numbered_records(10000 + q * 1000, 500, 100);
      bus.append("q" + std::to_string(q), batch);
    }
    after_all = rd::encode_buffer::for_this_thread().size();
  }).join();
  REQUIRE(after_first > 500 * 100);
  REQUIRE(after_all == after_first);  // twenty queues, one buffer: no growth per queue
  rb::local_backend bus(dir.path().string(), no_fsync());
  for (int q = 0; q < 20; ++q)
    REQUIRE(payload_numbers(read_every(bus, "q" + std::to_string(q))) ==
            number_range(10000 + q * 1000, 10000 + q * 1000 + 500));
}

TEST_CASE("a batch larger than 16 MiB is stored whole and its buffer is given back",
          "[bus][local][encode_buffer]") {
  rstreams::test::temp_file dir("encode-buffer", "");
  std::size_t after = 1;
  std::thread([&] {
    rb::local_backend bus(dir.path().string(), no_fsync());
    auto batch = numbered_records(0, 200, 100 << 10);  // 20 MiB
    bus.append("big", batch);
    after = rd::encode_buffer::for_this_thread().size();
  }).join();
  REQUIRE(after == 0);
  rb::local_backend bus(dir.path().string(), no_fsync());
  REQUIRE(payload_numbers(read_every(bus, "big")) == number_range(0, 200));
}
