// Writing your own source, transform and sink: a thermometer that yields readings, a
// moving average that smooths them, and a sink that collects a histogram of whole degrees.
// Each part is an ordinary class; deriving from the rstreams bases is the whole opt-in.
#include <rstreams/rstreams.hpp>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rs = rstreams;

// --- A source -------------------------------------------------------------------------
// Temperatures in tenths of a degree Celsius: a slow warming trend plus jitter from a
// fixed-seed generator, so every run prints the same. The simplest source implements
// `next()` (one item, or the end); rstreams derives the bulk path from it.
class thermometer : public rs::source_interface<thermometer> {
 public:
  static constexpr std::string_view name = "thermometer";
  using value_type = int;

  explicit thermometer(std::size_t readings) : left_(readings) {}

  std::optional<int> next() {
    if (left_ == 0) return std::nullopt;
    --left_;
    state_ = state_ * 1103515245u + 12345u;
    const int jitter = static_cast<int>((state_ >> 16) % 41) - 20;  // -2.0 .. +2.0 degrees
    return 180 + static_cast<int>(tick_++ / 2) + jitter;
  }

 private:
  std::size_t left_;
  std::size_t tick_ = 0;
  std::uint32_t state_ = 2024;
};

// --- A transform ----------------------------------------------------------------------
// The mean of the last `window` readings, emitted once the window is full. A stage is a
// source built on its upstream: `stage_source` stores `up_`, passes the run context on and
// describes the chain. `push(n, g)` asks upstream for up to n items and hands results to
// `g`, stopping as soon as `g` returns false.
template <rs::source S>
class moving_average_source : public rs::stage_source<moving_average_source<S>, S> {
  using base = rs::stage_source<moving_average_source<S>, S>;

 public:
  static constexpr std::string_view name = "moving_average";
  using value_type = int;

  moving_average_source(S up, std::size_t window) : base(std::move(up)), ring_(window) {}

  template <class G>
  rs::flow push(std::size_t n, G&& g) {
    return rs::push(this->up_, n, [&](int x) {
      total_ += x - ring_[next_];
      ring_[next_] = x;
      next_ = (next_ + 1) % ring_.size();
      if (filled_ < ring_.size()) ++filled_;
      if (filled_ < ring_.size()) return true;  // absorbed; ask for more
      return g(static_cast<int>(total_ / static_cast<long>(ring_.size())));
    });
  }

 private:
  std::vector<int> ring_;
  std::size_t next_ = 0;
  std::size_t filled_ = 0;
  long total_ = 0;
};

// The pipeable form `src | moving_average(k)`: a closure that builds the stage when a
// source arrives. Bad arguments fail here, at construction, with rs::config_error.
struct moving_average : rs::pipe_closure<moving_average> {
  explicit moving_average(std::size_t window) : window_(window) {
    if (window == 0) throw rs::config_error("moving_average: the window must hold at least one reading");
  }
  template <rs::source S>
  auto operator()(S&& up) const {
    return moving_average_source<std::remove_cvref_t<S>>(std::forward<S>(up), window_);
  }

 private:
  std::size_t window_;
};

// --- A sink ---------------------------------------------------------------------------
// Counts readings per whole degree. A sink closure makes a consumer for the element type;
// `accept` returns false when the sink wants nothing more, and `finish` yields what
// `run` returns.
struct degree_histogram : rs::sink_closure<degree_histogram> {
  static constexpr std::string_view name = "degree_histogram";

  template <class T>
  auto consumer(std::size_t /*position*/) && {
    struct counter {
      std::map<int, std::size_t> bins;
      bool accept(int tenths) {
        ++bins[tenths / 10];
        return true;
      }
      std::map<int, std::size_t> finish() { return std::move(bins); }
    };
    return counter{};
  }
};

int main() {
  auto pipeline = thermometer(150) | moving_average(5) | degree_histogram{};
  std::cout << "pipeline: " << rs::describe(pipeline) << '\n';

  const std::map<int, std::size_t> histogram = rs::run(pipeline);
  for (const auto& [degrees, count] : histogram)
    std::cout << degrees << " C | " << std::string(count, '#') << ' ' << count << '\n';

  // The same stage composes with the library's own operators, before or after.
  auto warm = rs::run(thermometer(150) | moving_average(5) | rs::filter([](int t) { return t >= 240; }) |
                      rs::transform([](int) { return 1; }) | rs::sum());
  std::cout << "smoothed readings at or above 24 C: " << warm << '\n';

  try {
    (void)moving_average(0);
  } catch (const rs::config_error& e) {
    std::cout << "error: " << e.what() << '\n';
  }
}
