#pragma once
// Test doubles for the aggregation tests: a sink that collects into a vector, and a scripted
// source that feeds elements and lets the manual clock move between them.

#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/source_interface.hpp>
#include <support/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace agg_test {

namespace rs = rstreams;

/// `src | collect()`: yields every element in a std::vector.
struct collect_closure : rs::sink_closure<collect_closure> {
  static constexpr std::string_view name = "collect";
  template <class T>
  auto consumer(std::size_t) && {
    struct consumer_type {
      std::vector<T> items;
      bool accept(T&& x) {
        items.push_back(std::move(x));
        return true;
      }
      bool accept(const T& x) {
        items.push_back(x);
        return true;
      }
      std::vector<T> finish() { return std::move(items); }
    };
    return consumer_type{};
  }
};
inline collect_closure collect() {
  return {};
}

/// One step of a scripted source: an element, or a quiet spell that advances the clock by
/// `d` and returns from the push with nothing (like a poll that found no data).
struct quiet {
  std::chrono::nanoseconds d;
};
template <class T>
using step = std::variant<T, quiet>;

/// Plays `steps` in order; a quiet step ends the current push. With `tick`, the clock moves by
/// `tick` before each element is delivered.
template <class T>
class scripted_source : public rs::source_interface<scripted_source<T>> {
 public:
  static constexpr std::string_view name = "scripted";
  using value_type = T;

  scripted_source(rs::manual_clock& clock, std::vector<step<T>> steps, std::chrono::nanoseconds tick = {})
      : clock_(&clock), steps_(std::move(steps)), tick_(tick) {}

  template <class F>
  rs::flow push(std::size_t n, F&& f) {
    while (n != 0 && next_ < steps_.size()) {
      auto& s = steps_[next_++];
      if (auto* q = std::get_if<quiet>(&s)) {
        clock_->advance(q->d);
        return rs::flow::more;
      }
      if (tick_.count() != 0) clock_->advance(tick_);
      --n;
      if (!f(std::get<T>(std::move(s)))) break;
    }
    return next_ == steps_.size() ? rs::flow::done : rs::flow::more;
  }

 private:
  rs::manual_clock* clock_;
  std::vector<step<T>> steps_;
  std::chrono::nanoseconds tick_;
  std::size_t next_ = 0;
};

}  // namespace agg_test

namespace agg_test {

/// `src | collect_timed(clock)`: like collect, with the clock's time (ns) when each element arrived.
struct collect_timed_closure : rs::sink_closure<collect_timed_closure> {
  static constexpr std::string_view name = "collect_timed";
  rs::manual_clock* clock;
  template <class T>
  auto consumer(std::size_t) && {
    struct consumer_type {
      rs::manual_clock* clock;
      std::vector<std::pair<T, std::int64_t>> items;
      bool accept(T x) {
        items.emplace_back(std::move(x), clock->now().time_since_epoch().count());
        return true;
      }
      std::vector<std::pair<T, std::int64_t>> finish() { return std::move(items); }
    };
    return consumer_type{clock, {}};
  }
};
inline collect_timed_closure collect_timed(rs::manual_clock& c) {
  collect_timed_closure k;
  k.clock = &c;
  return k;
}

}  // namespace agg_test

#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/window_result.hpp>

#include <sstream>
#include <string>

namespace Catch {
template <class K, class R, class B>
struct StringMaker<rstreams::window_result<K, R, B>> {
  static std::string convert(const rstreams::window_result<K, R, B>& w) {
    std::ostringstream os;
    os << "{";
    if constexpr (!std::is_same_v<K, rstreams::no_key>) os << StringMaker<K>::convert(w.key) << " ";
    if constexpr (requires { w.start.count(); })
      os << "[" << w.start.count() << ", " << w.end.count() << ")";
    else
      os << "[" << w.start << ", " << w.end << ")";
    os << " = " << StringMaker<R>::convert(w.value) << (w.late ? " late" : "") << "}";
    return os.str();
  }
};
template <class K, class V>
struct StringMaker<rstreams::keyed<K, V>> {
  static std::string convert(const rstreams::keyed<K, V>& x) {
    return "{" + StringMaker<K>::convert(x.key) + ": " + StringMaker<V>::convert(x.value) + "}";
  }
};
}  // namespace Catch
