#include <rstreams/io/sql_row.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <limits>
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

TEST_CASE("sql_row refuses a number that does not fit the type, and text that is not wholly a number",
          "[io][sql_row]") {
  // Found by tests/fuzz/sql_row_fuzz.cpp: get<int> of the double 3e9 was undefined behaviour
  // (UBSan: outside the range of int); "12abc" read as 12 and "99999999999" wrapped.
  auto cols = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"big", "nan", "text", "huge", "neg", "frac", "ok"});
  const rs::sql_row row{
      cols,
      {3e9, std::numeric_limits<double>::quiet_NaN(), std::string("12abc"), std::string("99999999999"),
       std::int64_t{-1}, std::string("4.5e3"), std::string(" 7")}};
  REQUIRE_THROWS_WITH(row.get<int>("big"), Catch::Contains("column 'big'") && Catch::Contains("int"));
  REQUIRE(row.get<std::int64_t>("big") == 3'000'000'000);
  REQUIRE_THROWS_AS(row.get<long>("nan"), rstreams::error);
  REQUIRE_THROWS_AS(row.get<int>("text"), rstreams::error);
  REQUIRE_THROWS_AS(row.get<int>("huge"), rstreams::error);
  REQUIRE(row.get<std::int64_t>("huge") == 99'999'999'999);
  REQUIRE_THROWS_AS(row.get<unsigned>("neg"), rstreams::error);
  REQUIRE(row.get<double>("frac") == 4500.0);
  REQUIRE_THROWS_AS(row.get<int>("frac"), rstreams::error);
  REQUIRE(row.get<int>("ok") == 7);
  REQUIRE(row.get<float>("big") == 3e9f);
}
