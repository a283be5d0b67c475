// Each role concept accepts a minimal conforming type and rejects its near misses.
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {

// ---- sources ----------------------------------------------------------------------------

/// The least a source needs: the opt-in, a value_type and next().
struct next_only {
  using source_concept = rs::source_tag;
  using value_type = int;
  std::optional<int> next() { return std::nullopt; }
};

/// The least a bulk source needs: the opt-in, a value_type and push(n, f).
struct push_only {
  using source_concept = rs::source_tag;
  using value_type = int;
  template <class F>
  rs::flow push(std::size_t, F&&) {
    return rs::flow::done;
  }
};

struct not_opted_in {  // a perfect source shape, but no source_concept
  using value_type = int;
  std::optional<int> next() { return std::nullopt; }
};

struct no_value_type {
  using source_concept = rs::source_tag;
  std::optional<int> next() { return std::nullopt; }
};

struct no_pull {
  using source_concept = rs::source_tag;
  using value_type = int;
};

struct next_of_wrong_type {
  using source_concept = rs::source_tag;
  using value_type = int;
  std::optional<long> next() { return std::nullopt; }
};

struct next_returning_value {
  using source_concept = rs::source_tag;
  using value_type = int;
  int next() { return 0; }
};

struct push_returning_bool {
  using source_concept = rs::source_tag;
  using value_type = int;
  template <class F>
  bool push(std::size_t, F&&) {
    return false;
  }
};

struct not_movable {
  using source_concept = rs::source_tag;
  using value_type = int;
  not_movable() = default;
  not_movable(not_movable&&) = delete;
  std::optional<int> next() { return std::nullopt; }
};

struct wrong_tag {
  using source_concept = rs::sink_tag;
  using value_type = int;
  std::optional<int> next() { return std::nullopt; }
};

// ---- sinks ------------------------------------------------------------------------------

/// A minimal sink: opt-in through sink_closure, a consumer with accept and finish.
struct minimal_sink : rs::sink_closure<minimal_sink> {
  template <class T>
  auto consumer(std::size_t) && {
    struct c {
      bool accept(const T&) { return true; }
      int finish() { return 1; }
    };
    return c{};
  }
};

struct sink_without_tag {
  template <class T>
  auto consumer(std::size_t) && {
    struct c {
      bool accept(const T&) { return true; }
      int finish() { return 1; }
    };
    return c{};
  }
};

/// Consumes strings only.
struct string_sink : rs::sink_closure<string_sink> {
  template <class T>
  auto consumer(std::size_t) && {
    struct c {
      bool accept(const std::string&) { return true; }
      void finish() {}
    };
    return c{};
  }
};

struct sink_without_finish : rs::sink_closure<sink_without_finish> {
  template <class T>
  auto consumer(std::size_t) && {
    struct c {
      bool accept(const T&) { return true; }
    };
    return c{};
  }
};

// ---- stages -----------------------------------------------------------------------------

struct minimal_stage : rs::pipe_closure<minimal_stage> {
  template <rs::source S>
  auto operator()(S&& s) const {
    return std::forward<S>(s);
  }
};

struct stage_without_tag {
  template <rs::source S>
  auto operator()(S&& s) const {
    return std::forward<S>(s);
  }
};

}  // namespace

// Sources
static_assert(rs::source<next_only>);
static_assert(rs::source<push_only>);
static_assert(rs::source<next_only&>);  // references to sources are sources (borrowed by `|`)
static_assert(rs::source_of<next_only, int>);
static_assert(!rs::source_of<next_only, long>);
static_assert(!rs::source<not_opted_in>);
static_assert(!rs::source<no_value_type>);
static_assert(!rs::source<no_pull>);
static_assert(!rs::source<next_of_wrong_type>);
static_assert(!rs::source<next_returning_value>);
static_assert(!rs::source<push_returning_bool>);
static_assert(!rs::source<not_movable>);
static_assert(!rs::source<wrong_tag>);
static_assert(!rs::source<int>);
static_assert(!rs::source<std::vector<int>>);  // a range is not a source, it becomes one
static_assert(rs::source_like<std::vector<int>>);
static_assert(std::same_as<rs::value_t<decltype(rs::iota(0, 1))>, int>);

// Sinks
static_assert(rs::sink<minimal_sink>);
static_assert(!rs::sink<sink_without_tag>);
static_assert(!rs::sink<next_only>);
static_assert(!rs::sink<int>);
static_assert(rs::sink_for<minimal_sink, next_only>);
static_assert(rs::sink_for<string_sink, decltype(rs::from_range(std::vector<std::string>{}))>);
static_assert(!rs::sink_for<string_sink, next_only>);  // int cannot be accepted as a string
static_assert(!rs::sink_for<sink_without_finish, next_only>);
static_assert(!rs::sink_for<minimal_sink, int>);
static_assert(rs::sink_for<decltype(rs::to_vector()), push_only>);

// Stages
static_assert(rs::stage<minimal_stage>);
static_assert(rs::stage<decltype(rs::transform([](int x) { return x; }))>);
static_assert(!rs::stage<stage_without_tag>);
static_assert(!rs::stage<next_only>);
static_assert(!rs::stage<minimal_sink>);
static_assert(!rs::sink<minimal_stage>);

// Pipelines
static_assert(rs::runnable<decltype(next_only{} | minimal_sink{})>);
static_assert(rs::runnable<decltype(rs::iota(0, 3) | minimal_stage{} | rs::sum())>);
static_assert(!rs::runnable<next_only>);
static_assert(!rs::runnable<minimal_sink>);

TEST_CASE("minimal conforming types run", "[core][concepts]") {
  REQUIRE(rs::run(next_only{} | minimal_sink{}) == 1);
  REQUIRE(rs::run(push_only{} | rs::to_vector()).empty());
  REQUIRE(rs::run(rs::iota(0, 4) | minimal_stage{} | rs::sum()) == 6);
}
