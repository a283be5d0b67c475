// decode_with_simdjson (the simdjson part): a simdjson document of the text for a payload type
// with nested values, failures as json_decode_error, and one parser per thread.
#include <support/catch.hpp>

#if defined(RSTREAMS_WITH_SIMDJSON)

#include <rstreams/json/json_codec.hpp>
#include <rstreams/json/simdjson_fields.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

TEST_CASE("decode_with_simdjson: a document for values the field decoder does not cover",
          "[json][simdjson_fields]") {
  const auto sum = rstreams::decode_with_simdjson(R"({"xs":[1,2,3]})", [](simdjson::ondemand::document& doc) {
    std::int64_t total = 0;
    for (auto x : doc["xs"].get_array()) total += x.get_int64().value();
    return total;
  });
  REQUIRE(sum == 6);
  REQUIRE_THROWS_AS(rstreams::decode_with_simdjson("", [](simdjson::ondemand::document&) { return 0; }),
                    rstreams::json_decode_error);
  // Not re-entrant: a nested call says so, and the thread's parser works again afterwards.
  REQUIRE_THROWS_AS(rstreams::decode_with_simdjson("{}",
                                                   [](simdjson::ondemand::document&) {
                                                     return rstreams::decode_with_simdjson(
                                                         "{}",
                                                         [](simdjson::ondemand::document&) { return 1; });
                                                   }),
                    std::logic_error);
  REQUIRE(rstreams::decode_with_simdjson(R"({"n":5})", [](simdjson::ondemand::document& doc) {
            return doc["n"].get_int64().value();
          }) == 5);
}

#endif
