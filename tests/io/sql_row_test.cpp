#include <rstreams/io/sql_row.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

TEST_CASE("sql_row converts values by column name", "[io][sql_row]") {
  auto cols = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"id", "name", "score", "note"});
  const rs::sql_row row{cols, {std::int64_t{42}, std::string("ada"), 2.5, std::monostate{}}};
  REQUIRE(row.get<int>("id") == 42);
  REQUIRE(row.get<double>("id") == 42.0);
  REQUIRE(row.get<std::string>("id") == "42");
  REQUIRE(row.get<std::string>("name") == "ada");
  REQUIRE(row.get<double>("score") == 2.5);
  REQUIRE(row.is_null("note"));
  REQUIRE(row.get<std::optional<int>>("note") == std::nullopt);
  REQUIRE(row.get<std::optional<int>>("id") == 42);
  REQUIRE_THROWS_WITH(row.get<int>("name"), Catch::Matchers::Contains("column 'name' is not a number"));
  REQUIRE_THROWS_WITH(row.get<std::string>("note"), Catch::Matchers::Contains("column 'note' is not text"));
  REQUIRE_THROWS_WITH(row["nope"], Catch::Matchers::Contains("no column named 'nope'"));
}

TEST_CASE("sql_row reads numbers stored as text", "[io][sql_row]") {
  auto cols = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"n"});
  const rs::sql_row row{cols, {std::string("12")}};
  REQUIRE(row.get<long>("n") == 12);
}
