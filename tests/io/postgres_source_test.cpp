#include <rstreams/core/run.hpp>
#include <rstreams/io/postgres_source.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/postgres.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<rs::postgres_source_type, rs::sql_row>);

namespace {
struct users_table {
  std::string name = io_test::pg_table("pgsrc_users");
  explicit users_table(int n) {
    io_test::pg_run("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name +
                    "(id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION, ok BOOLEAN);"
                    "INSERT INTO " +
                    name +
                    " SELECT i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'u' || i END, i + 0.5, i % 2 = 0 "
                    "FROM generate_series(1, " +
                    std::to_string(n) + ") i;");
  }
  ~users_table() { io_test::pg_run("DROP TABLE IF EXISTS " + name); }
  [[nodiscard]] std::string paged() const {
    return "SELECT id, name, score, ok FROM " + name + " WHERE id > $1 ORDER BY id LIMIT $2";
  }
};
}  // namespace

TEST_CASE("postgres_source reads every row page by page with typed values", "[io][postgres_source]") {
  users_table t(95);
  const auto rows =
      rs::run(rs::postgres_source(io_test::pg_url(), t.paged(), {.page_size = 10}) | rs::to_vector());
  REQUIRE(rows.size() == 95);
  REQUIRE(rows[0].get<int>("id") == 1);
  REQUIRE(std::holds_alternative<std::int64_t>(rows[0]["id"]));
  REQUIRE(rows[94].get<int>("id") == 95);
  REQUIRE(rows[3].get<std::string>("name") == "u4");
  REQUIRE(rows[9].get<std::optional<std::string>>("name") == std::nullopt);
  REQUIRE(rows[1].get<double>("score") == 2.5);
  REQUIRE(rows[1].get<bool>("ok"));
}

TEST_CASE("postgres_source starts after a key, pages at exact boundaries and stops early",
          "[io][postgres_source]") {
  users_table t(20);
  auto ids = [&](rs::sql_page_options o) {
    return rs::run(rs::postgres_source(io_test::pg_url(), t.paged(), o) |
                   rs::transform([](const rs::sql_row& r) { return r.get<int>("id"); }) | rs::to_vector());
  };
  REQUIRE(ids({.after = std::int64_t{15}, .page_size = 5}) == std::vector<int>{16, 17, 18, 19, 20});
  REQUIRE(ids({.page_size = 4}).size() == 20);
  const auto first = rs::run(rs::postgres_source(io_test::pg_url(), t.paged(), {.page_size = 3}) |
                             rs::take(4) | rs::to_vector());
  REQUIRE(first.size() == 4);
}

TEST_CASE("postgres_source names a failing statement and an unreachable server", "[io][postgres_source]") {
  const std::string bad = "SELECT id FROM no_such_table_rstreams WHERE id > $1 LIMIT $2";
  try {
    {
      auto src = rs::postgres_source(io_test::pg_url(), bad);
      for (auto&& r : src) (void)r;
    }
    FAIL("expected a sql_error");
  } catch (const rs::sql_error& e) {
    REQUIRE(e.statement() == bad);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("no_such_table_rstreams"));
  }
  auto unreachable = rs::postgres_source("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2",
                                         "SELECT 1 AS id WHERE 1 > $1 LIMIT $2");
  try {
    for (auto&& r : unreachable) (void)r;
    FAIL("expected an io_error");
  } catch (const rs::io_error& e) {
    REQUIRE_THAT(e.what(),
                 Catch::Matchers::Contains("127.0.0.1:1") && Catch::Matchers::Contains("cannot connect"));
    REQUIRE_THAT(e.what(), !Catch::Matchers::Contains("secret"));
  }
}
