#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/to_ostream.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::to_ostream(std::declval<std::ostream&>()))>);
static_assert(
    std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::to_ostream(std::declval<std::ostream&>()))),
                   std::size_t>);

TEST_CASE("to_ostream writes each element followed by the delimiter", "[sinks][to_ostream]") {
  std::ostringstream out;
  REQUIRE(rs::run(rs::iota(1, 4) | rs::to_ostream(out)) == 3);
  REQUIRE(out.str() == "1\n2\n3\n");

  std::ostringstream csv;
  const std::vector<std::string> words{"a", "b"};
  rs::run(words | rs::to_ostream(csv, ","));
  REQUIRE(csv.str() == "a,b,");

  std::ostringstream none;
  REQUIRE(rs::run(rs::iota(0, 0) | rs::to_ostream(none)) == 0);
  REQUIRE(none.str().empty());
}

TEST_CASE("to_ostream on a failed stream throws io_error", "[sinks][to_ostream]") {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  REQUIRE_THROWS_AS(rs::run(rs::iota(0, 3) | rs::to_ostream(out)), rs::io_error);
}
