#include <rstreams/core/run.hpp>
#include <rstreams/io/sqlite_sink.hpp>
#include <rstreams/io/sqlite_source.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <sqlite3.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace rs = rstreams;

namespace {
struct item {
  int id;
  std::optional<std::string> name;
};
auto bind_item = [](const item& x) { return std::make_tuple(x.id, x.name); };

std::string make_db(const io_test::temp_dir& dir) {
  const std::string path = (dir / "s.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL)", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  return path;
}
std::vector<std::pair<int, std::string>> contents(const std::string& db) {
  std::vector<std::pair<int, std::string>> out;
  for (auto&& r : rs::sqlite_source(db, "SELECT id, name FROM t WHERE id > :after ORDER BY id LIMIT :limit"))
    out.emplace_back(r.get<int>("id"), r.get<std::string>("name"));
  return out;
}
const std::string upsert =
    "INSERT INTO t(id, name) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name";
}  // namespace

static_assert(rs::sink<decltype(rs::sqlite_sink("x", "y", bind_item))>);

TEST_CASE("sqlite_sink inserts in batches and upserts", "[io][sqlite_sink]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir);
  std::vector<item> first;
  for (int i = 0; i < 25; ++i) first.push_back({i, "v" + std::to_string(i)});
  REQUIRE(rs::run(first | rs::sqlite_sink(db, upsert, bind_item, {.batch_size = 10})) == 25);
  std::vector<item> again{{3, "three"}, {30, "thirty"}};
  REQUIRE(rs::run(again | rs::sqlite_sink(db, upsert, bind_item)) == 2);
  const auto rows = contents(db);
  REQUIRE(rows.size() == 26);
  REQUIRE(rows[3] == std::pair<int, std::string>{3, "three"});
  REQUIRE(rows.back() == std::pair<int, std::string>{30, "thirty"});
}

TEST_CASE("a statement failing mid-batch names it and reports what was written", "[io][sqlite_sink]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir);
  std::vector<item> items;
  for (int i = 0; i < 25; ++i) items.push_back({i, i == 13 ? std::nullopt : std::optional<std::string>("x")});
  try {
    rs::run(items | rs::sqlite_sink(db, upsert, bind_item, {.batch_size = 5}));
    FAIL("expected a sql_error");
  } catch (const rs::sql_error& e) {
    REQUIRE(e.statement() == upsert);
    REQUIRE(e.item() == 13);
    REQUIRE(e.written() == 10);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("NOT NULL constraint failed") &&
                               Catch::Matchers::Contains("10 items written"));
  }
  // Exactly the committed batches are in the table.
  REQUIRE(contents(db).size() == 10);
}

TEST_CASE("sqlite_sink names a statement that does not prepare and checks the parameter count",
          "[io][sqlite_sink]") {
  io_test::temp_dir dir;
  const auto db = make_db(dir);
  std::vector<item> one{{1, "a"}};
  REQUIRE_THROWS_WITH(rs::run(one | rs::sqlite_sink(db, "INSERT INTO missing VALUES(?, ?)", bind_item)),
                      Catch::Matchers::Contains("INSERT INTO missing"));
  REQUIRE_THROWS_WITH(rs::run(one | rs::sqlite_sink(db, "INSERT INTO t(id, name) VALUES(?, 'k')", bind_item)),
                      Catch::Matchers::Contains("the binder gave 2 parameters, the statement takes 1"));
  REQUIRE_THROWS_AS(rs::sqlite_sink(db, upsert, bind_item, {.batch_size = 0}), rs::config_error);
}
