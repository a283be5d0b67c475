#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/on_failure.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rb = rstreams::bus;

namespace {
// The smallest type with the contract's members, to check the concept itself.
struct minimal_backend {
  std::string append(std::string_view, std::span<rb::record>) { return {}; }
  std::size_t read(std::string_view, std::string_view, std::size_t, std::vector<rb::record>&) { return 0; }
  bool wait(std::string_view, std::string_view, std::chrono::milliseconds, std::stop_token) { return false; }
  std::optional<rb::checkpoint> get_checkpoint(std::string_view, std::string_view) { return {}; }
  void commit_checkpoint(std::string_view, std::string_view, const std::optional<std::string>&,
                         const rb::checkpoint&, bool = false) {}
  std::vector<rb::queue_info> queues() { return {}; }
  std::vector<rb::bot_info> bots() { return {}; }
  std::optional<rb::lease> try_lease(std::string_view, std::chrono::milliseconds) { return {}; }
  std::string describe() const { return "minimal"; }
};
struct no_wait : minimal_backend {
  void wait() = delete;
};

struct counting_lease : rb::detail::lease_state {
  int* released;
  bool renewable = true;
  explicit counting_lease(int* r) : released(r) {}
  bool renew() override { return renewable; }
  bool held() const override { return *released == 0; }
  void release() noexcept override { ++*released; }
};

std::string name_error(std::string_view name) {
  try {
    rb::validate_queue_name(name);
  } catch (const rstreams::config_error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

static_assert(rb::backend<minimal_backend>);
static_assert(!rb::backend<no_wait>);
static_assert(!rb::backend<int>);
static_assert(std::movable<rb::lease>);
static_assert(!std::copyable<rb::lease>);

TEST_CASE("queue names follow [A-Za-z0-9_.-]+", "[bus][backend]") {
  for (const auto* ok : {"orders", "orders.error", "a-b_c.9", "Q"})
    REQUIRE_NOTHROW(rb::validate_queue_name(ok));
  REQUIRE(name_error("") == "rstreams: bad queue name \"\": it is empty");
  REQUIRE(name_error("my queue") ==
          "rstreams: bad queue name \"my queue\": character 2 is not allowed (use letters, digits, '_', '.', "
          "'-')");
  REQUIRE(name_error("../etc") ==
          "rstreams: bad queue name \"../etc\": character 2 is not allowed (use letters, "
          "digits, '_', '.', '-')");
  REQUIRE(name_error("..") == "rstreams: bad queue name \"..\": it may not start with '.'");
  REQUIRE(name_error(std::string(201, 'a')).find("longer than 200") != std::string::npos);
  REQUIRE_THROWS_WITH(rb::validate_bot_name("a/b"), Catch::Contains("bad bot name \"a/b\""));
}

TEST_CASE("a bad name is shown escaped: a NUL or control byte does not cut the message", "[bus][backend]") {
  const std::string nul("ord\0ers\x01", 8);
  REQUIRE(name_error(nul) ==
          "rstreams: bad queue name \"ord\\x00ers\\x01\": character 3 is not allowed (use "
          "letters, digits, '_', '.', '-')");
}

TEST_CASE("every valid queue name has a valid derived dead-letter name", "[bus][backend]") {
  REQUIRE(rb::detail::dead_letter_queue_for("orders", "") == "orders.error");
  const std::string a(rb::max_name_size, 'a');
  const std::string b = std::string(rb::max_name_size - 1, 'a') + "b";
  const auto da = rb::detail::dead_letter_queue_for(a, "");
  const auto db = rb::detail::dead_letter_queue_for(b, "");
  REQUIRE_NOTHROW(rb::validate_queue_name(da));
  REQUIRE_NOTHROW(rb::validate_queue_name(db));
  REQUIRE(da != db);  // names that differ only past the cut still get their own queue
  REQUIRE(da.ends_with(".error"));
  REQUIRE(da.starts_with(std::string(150, 'a')));
  const std::string c(rb::max_name_size - 6, 'c');  // the longest name that still gets "<in>.error"
  REQUIRE(rb::detail::dead_letter_queue_for(c, "") == c + ".error");
}

TEST_CASE("a lease is released once, on destruction or when moved over", "[bus][backend]") {
  int released = 0;
  {
    rb::lease l(std::make_unique<counting_lease>(&released));
    REQUIRE(l.held());
    REQUIRE(l.renew());
    rb::lease moved = std::move(l);
    REQUIRE(moved.held());
    REQUIRE_FALSE(l.held());  // NOLINT(bugprone-use-after-move): a moved-from lease holds nothing
  }
  REQUIRE(released == 1);
  int second = 0;
  rb::lease a(std::make_unique<counting_lease>(&released));
  a = rb::lease(std::make_unique<counting_lease>(&second));
  REQUIRE(released == 2);
  a.release();
  REQUIRE(second == 1);
  REQUIRE_FALSE(a.held());
  REQUIRE_FALSE(a.renew());
}
