#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/throwing.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

namespace {
auto ignore = [](int) {};
}  // namespace

static_assert(rs::sink<decltype(rs::for_each(ignore))>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::for_each(ignore))), std::size_t>);

TEST_CASE("for_each calls the function for every element, in order, and counts them", "[sinks][for_each]") {
  std::vector<int> seen;
  const auto n = rs::run(rs::iota(0, 4) | rs::for_each([&seen](int x) { seen.push_back(x); }));
  REQUIRE(seen == std::vector<int>{0, 1, 2, 3});
  REQUIRE(n == 4);
}

TEST_CASE("for_each ignores the function's result and takes elements by reference or by move",
          "[sinks][for_each]") {
  const std::vector<std::string> words{"x", "yy"};
  std::size_t total = 0;
  rs::run(words | rs::for_each([&total](const std::string& w) { return total += w.size(); }));
  REQUIRE(total == 3);

  std::vector<std::unique_ptr<int>> kept;
  rs::run(rs::iota(0, 3) | rs::transform([](int i) { return std::make_unique<int>(i); }) |
          rs::for_each([&kept](std::unique_ptr<int> p) { kept.push_back(std::move(p)); }));
  REQUIRE(kept.size() == 3);

  // A function taking an rvalue still works on lvalue elements (it gets a copy).
  std::vector<std::string> moved;
  rs::run(words | rs::for_each([&moved](std::string&& w) { moved.push_back(std::move(w)); }));
  REQUIRE(moved == words);

  // And a function taking a non-const lvalue reference gets one.
  std::vector<std::string> changed;
  rs::run(words | rs::for_each([&changed](std::string& w) {
            w += "!";
            changed.push_back(w);
          }));
  REQUIRE(changed == std::vector<std::string>{"x!", "yy!"});
  REQUIRE(words == std::vector<std::string>{"x", "yy"});  // the borrowed range is untouched
}

TEST_CASE("an exception in the function names for_each, its position and the element", "[sinks][for_each]") {
  auto p = rs::iota(0, 100) | rs::transform([](int x) { return x; }) |
           rs::for_each(rs::test::throw_on_call(17, [](int) {}));
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "for_each");
    REQUIRE(e.position() == 2);
    REQUIRE(e.element() == 17);
    REQUIRE(std::string(e.what()) == "rstreams: for_each (stage 2) failed on element 17: boom");
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "boom");
  }
}
