#include <rstreams/io/csv_row.hpp>

#include <support/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

TEST_CASE("csv_row finds fields by column name or index", "[io][csv_row]") {
  auto header = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"id", "name"});
  rs::csv_row row{header, {"7", std::nullopt}};
  REQUIRE(row.size() == 2);
  REQUIRE(row["id"] == std::optional<std::string>("7"));
  REQUIRE(row[1] == std::nullopt);
  REQUIRE(row.value_or("name", "-") == "-");
  row["name"] = "ada";
  REQUIRE(row.value_or("name", "-") == "ada");
  REQUIRE_THROWS_WITH(row["missing"], Catch::Matchers::Contains("no column named 'missing'"));
  const rs::csv_row bare{nullptr, {"x"}};
  REQUIRE_THROWS_WITH(bare["id"], Catch::Matchers::Contains("had no header row"));
  REQUIRE_THROWS(bare[3]);
}
