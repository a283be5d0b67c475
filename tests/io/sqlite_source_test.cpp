#include <rstreams/core/run.hpp>
#include <rstreams/io/sqlite_source.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<rs::sqlite_source_type, rs::sql_row>);

namespace {
// Creates `users` with ids 1..n and counts the statements SQLite runs through a trace hook.
std::string make_db(const io_test::temp_dir& dir, int n) {
  const std::string path = (dir / "t.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string sql = "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, score REAL); BEGIN;";
  for (int i = 1; i <= n; ++i)
    sql += "INSERT INTO users VALUES(" + std::to_string(i) + ", " +
           (i % 10 == 0 ? "NULL" : "'u" + std::to_string(i) + "'") + ", " + std::to_string(i) + ".5);";
  sql += "COMMIT;";
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  return path;
}
const std::string paged = "SELECT id, name, score FROM users WHERE id > :after ORDER BY id LIMIT :limit";
}  // namespace

TEST_CASE("sqlite_source reads every row, page by page, in key order", "[io][sqlite_source]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir, 95);
  const auto rows = rs::run(rs::sqlite_source(db, paged, {.page_size = 10}) | rs::to_vector());
  REQUIRE(rows.size() == 95);
  REQUIRE(rows[0].get<int>("id") == 1);
  REQUIRE(rows[94].get<std::int64_t>("id") == 95);
  REQUIRE(rows[3].get<std::string>("name") == "u4");
  REQUIRE(rows[9].is_null("name"));
  REQUIRE(rows[9].get<std::optional<std::string>>("name") == std::nullopt);
  REQUIRE(rows[1].get<double>("score") == 2.5);
  REQUIRE_THROWS_AS(rows[9].get<std::string>("name"), rs::error);
}

TEST_CASE("sqlite_source pages exactly at page boundaries and starts after a key", "[io][sqlite_source]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir, 20);
  const auto ids =
      rs::run(rs::sqlite_source(db, paged, {.after = std::int64_t{15}, .page_size = 5}) |
              rs::transform([](const rs::sql_row& r) { return r.get<int>("id"); }) | rs::to_vector());
  REQUIRE(ids == std::vector<int>{16, 17, 18, 19, 20});
  const auto total =
      rs::run(rs::sqlite_source(db, paged, {.page_size = 4}) |
              rs::transform([](const rs::sql_row& r) { return r.get<int>("id"); }) | rs::sum());
  REQUIRE(total == 210);
}

TEST_CASE("sqlite_source stops early with take and does not read the remaining pages",
          "[io][sqlite_source]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir, 1000);
  const auto first = rs::run(rs::sqlite_source(db, paged, {.page_size = 7}) | rs::take(3) | rs::to_vector());
  REQUIRE(first.size() == 3);
  REQUIRE(first[2].get<int>("id") == 3);
}

TEST_CASE("sqlite_source names a bad statement and checks its parameters", "[io][sqlite_source]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir, 3);
  try {
    io_test::collect(rs::sqlite_source(db, "SELECT id FROM nope WHERE id > :after LIMIT :limit"));
    FAIL("expected a sql_error");
  } catch (const rs::sql_error& e) {
    REQUIRE(e.statement() == "SELECT id FROM nope WHERE id > :after LIMIT :limit");
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("no such table: nope"));
  }
  REQUIRE_THROWS_AS(io_test::collect(rs::sqlite_source(db, "SELECT id FROM users")), rs::config_error);
  REQUIRE_THROWS_AS(io_test::collect(rs::sqlite_source(db, paged, {.key = "nope"})), rs::config_error);
  REQUIRE_THROWS_AS(rs::sqlite_source(db, paged, {.page_size = 0}), rs::config_error);
}
