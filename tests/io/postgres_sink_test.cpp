#include <rstreams/core/run.hpp>
#include <rstreams/io/postgres_sink.hpp>
#include <rstreams/io/postgres_source.hpp>

#include <support/catch.hpp>
#include <support/postgres.hpp>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {
struct item {
  int id;
  std::optional<std::string> name;
};
auto bind_item = [](const item& x) { return std::make_tuple(x.id, x.name); };

struct items_table {
  std::string name = io_test::pg_table("pgsink_items");
  items_table() {
    io_test::pg_run("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name +
                    "(id INT PRIMARY KEY, name TEXT NOT NULL)");
  }
  ~items_table() { io_test::pg_run("DROP TABLE IF EXISTS " + name); }
  [[nodiscard]] std::string upsert() const {
    return "INSERT INTO " + name +
           "(id, name) VALUES($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name";
  }
  [[nodiscard]] std::vector<std::pair<int, std::string>> contents() const {
    std::vector<std::pair<int, std::string>> out;
    for (auto&& r : rs::postgres_source(
             io_test::pg_url(), "SELECT id, name FROM " + name + " WHERE id > $1 ORDER BY id LIMIT $2"))
      out.emplace_back(r.get<int>("id"), r.get<std::string>("name"));
    return out;
  }
};
}  // namespace

static_assert(rs::sink<decltype(rs::postgres_sink("u", "s", bind_item))>);

TEST_CASE("postgres_sink upserts in batched transactions", "[io][postgres_sink]") {
  items_table t;
  std::vector<item> first;
  for (int i = 0; i < 25; ++i) first.push_back({i, "v" + std::to_string(i)});
  REQUIRE(rs::run(first | rs::postgres_sink(io_test::pg_url(), t.upsert(), bind_item, {.batch_size = 10})) ==
          25);
  std::vector<item> again{{3, "three"}, {30, "thirty"}};
  REQUIRE(rs::run(again | rs::postgres_sink(io_test::pg_url(), t.upsert(), bind_item)) == 2);
  const auto rows = t.contents();
  REQUIRE(rows.size() == 26);
  REQUIRE(rows[3] == std::pair<int, std::string>{3, "three"});
  REQUIRE(rows.back() == std::pair<int, std::string>{30, "thirty"});
}

TEST_CASE("a postgres statement failing mid-batch names it and reports what was written",
          "[io][postgres_sink]") {
  items_table t;
  std::vector<item> items;
  for (int i = 0; i < 25; ++i) items.push_back({i, i == 13 ? std::nullopt : std::optional<std::string>("x")});
  try {
    rs::run(items | rs::postgres_sink(io_test::pg_url(), t.upsert(), bind_item, {.batch_size = 5}));
    FAIL("expected a sql_error");
  } catch (const rs::sql_error& e) {
    REQUIRE(e.statement() == t.upsert());
    REQUIRE(e.item() == 13);
    REQUIRE(e.written() == 10);
    REQUIRE_THAT(e.what(),
                 Catch::Matchers::Contains("null value") && Catch::Matchers::Contains("10 items written"));
  }
  REQUIRE(t.contents().size() == 10);
}

TEST_CASE("postgres_sink names a statement that does not prepare", "[io][postgres_sink]") {
  std::vector<item> one{{1, "a"}};
  REQUIRE_THROWS_WITH(
      rs::run(one |
              rs::postgres_sink(io_test::pg_url(), "INSERT INTO rstreams_missing VALUES($1, $2)", bind_item)),
      Catch::Matchers::Contains("INSERT INTO rstreams_missing"));
  REQUIRE_THROWS_AS(rs::postgres_sink("u", "s", bind_item, {.batch_size = 0}), rs::config_error);
}
