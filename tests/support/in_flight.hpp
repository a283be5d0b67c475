#pragma once
// Instrumentation for bounds: a source that counts the items it has produced and a sink
// that counts the items it has received, so a test can assert how many were in flight
// between them (produced, not yet received) at the worst moment, without timing anything.

#include <rstreams/core/pipe.hpp>
#include <rstreams/core/source_interface.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rstreams::test {

struct in_flight_meter {
  std::atomic<std::int64_t> produced{0};
  std::atomic<std::int64_t> received{0};
  std::atomic<std::int64_t> max_in_flight{0};

  void on_produce() {
    const std::int64_t now = produced.fetch_add(1) + 1 - received.load();
    std::int64_t seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
  }
  void on_receive() { received.fetch_add(1); }
};

/// Counts 0, 1, 2, ... without end (or up to `limit`), telling the meter about every item
/// before handing it over.
class metered_source : public source_interface<metered_source> {
 public:
  static constexpr std::string_view name = "metered";
  using value_type = std::uint64_t;

  explicit metered_source(in_flight_meter& m, std::uint64_t limit = UINT64_MAX) : meter_(&m), limit_(limit) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    for (; n != 0; --n) {
      if (next_ == limit_) return flow::done;
      meter_->on_produce();
      if (!f(std::uint64_t(next_++))) break;
    }
    return next_ == limit_ ? flow::done : flow::more;
  }

 private:
  in_flight_meter* meter_;
  std::uint64_t limit_;
  std::uint64_t next_ = 0;
};

/// A sink that records the arrival of each item with the meter and stops after `want` items;
/// `work` is called per item to make it slow (e.g. a yield).
template <class Work>
class metered_sink : public sink_closure<metered_sink<Work>> {
 public:
  static constexpr std::string_view name = "metered_sink";
  metered_sink(in_flight_meter& m, std::size_t want, Work w) : meter_(&m), want_(want), work_(w) {}

  template <class T>
  auto consumer(std::size_t) && {
    struct consumer_type {
      in_flight_meter* meter;
      std::size_t want;
      Work work;
      std::size_t got = 0;
      bool accept(const T&) {
        meter->on_receive();
        work();
        return ++got < want;
      }
      std::size_t finish() const { return got; }
    };
    return consumer_type{meter_, want_, work_};
  }

 private:
  in_flight_meter* meter_;
  std::size_t want_;
  Work work_;
};

}  // namespace rstreams::test
