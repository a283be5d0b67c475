// The partial-call form of an operator keeps its arguments in place and order, copies them when
// the stage is applied as an lvalue (so it can be reused) and moves them when it is applied once.
#include <rstreams/core/describe.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace rs = rstreams;

namespace {

struct seen {
  std::string first;
  int second = 0;
  std::string third;
};

// Returns what it was given, so the test sees every argument's value and place.
struct echo_fn {
  static constexpr std::string_view name = "echo";
  template <rs::source S>
  seen operator()(S&&, std::string a, int b, std::string c) const {
    return {std::move(a), b, std::move(c)};
  }
};

// Takes a move-only argument: only the rvalue form of the stage can apply it.
struct take_ptr_fn {
  template <rs::source S>
  int operator()(S&&, std::unique_ptr<int> p) const {
    return *p;
  }
};

struct no_args_fn {
  template <rs::source S>
  int operator()(S&&) const {
    return 42;
  }
};

}  // namespace

TEST_CASE("a bound stage passes its arguments in order, two of a type kept apart", "[core][bound_stage]") {
  const auto stage = rs::detail::bind_stage<echo_fn>(std::string("left"), 7, std::string("right"));
  const seen s = stage(rs::iota(0, 3));
  CHECK(s.first == "left");
  CHECK(s.second == 7);
  CHECK(s.third == "right");
}

TEST_CASE("a bound stage applied as an lvalue copies its arguments and can be applied again",
          "[core][bound_stage]") {
  auto stage = rs::detail::bind_stage<echo_fn>(std::string(100, 'a'), 1, std::string(100, 'b'));
  const seen once = stage(rs::iota(0, 3));
  const seen twice = stage(rs::iota(0, 3));
  CHECK(once.first == std::string(100, 'a'));
  CHECK(twice.first == std::string(100, 'a'));
  CHECK(twice.third == std::string(100, 'b'));
}

TEST_CASE("a bound stage applied once moves its arguments: move-only ones work", "[core][bound_stage]") {
  auto stage = rs::detail::bind_stage<take_ptr_fn>(std::make_unique<int>(5));
  CHECK(std::move(stage)(rs::iota(0, 3)) == 5);
  auto piped = rs::detail::bind_stage<take_ptr_fn>(std::make_unique<int>(6));
  CHECK((rs::iota(0, 3) | std::move(piped)) == 6);
}

TEST_CASE("a bound stage without arguments applies, and describes itself by its operator's name",
          "[core][bound_stage]") {
  const auto stage = rs::detail::bind_stage<no_args_fn>();
  CHECK(stage(rs::iota(0, 3)) == 42);
  CHECK(rs::describe(stage) == "stage");
  CHECK(rs::describe(rs::detail::bind_stage<echo_fn>(std::string(), 0, std::string())) == "echo");
}
