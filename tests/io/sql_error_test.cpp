#include <rstreams/io/sql_error.hpp>

#include <support/catch.hpp>

#include <string>

namespace rs = rstreams;

TEST_CASE("sql_error names the statement, and for sinks the item and what was written", "[io][sql_error]") {
  const rs::sql_error source_side("SELECT 1", "syntax error");
  REQUIRE(source_side.statement() == "SELECT 1");
  REQUIRE(source_side.item() == rs::sql_error::npos);
  REQUIRE(std::string(source_side.what()) ==
          "rstreams: statement failed: syntax error [statement: SELECT 1]");
  const rs::sql_error sink_side("INSERT ...", "constraint", 13, 10);
  REQUIRE(sink_side.item() == 13);
  REQUIRE(sink_side.written() == 10);
  REQUIRE_THAT(sink_side.what(),
               Catch::Matchers::Contains("[item 13; 10 items written and committed before it"));
}
