#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

#include <string>

namespace rb = rstreams::bus;

namespace {
rb::record sample() {
  rb::record r;
  r.eid = "z/2024/03/16/06/59/1710572340123-0000007";
  r.id = "loader";
  r.event = "orders";
  r.timestamp = 1710572340123;
  r.event_source_timestamp = 1710572340000;
  r.payload = R"({"id":7})";
  return r;
}
// The frame of `r` with its correlation text replaced by `corr` (the field before the payload).
std::string with_correlation(const rb::record& r, const std::string& corr) {
  std::string out;
  out.append(rb::detail::nats_frame_magic);
  for (const std::string* t : {&r.eid, &r.id, &r.event}) rb::detail::frame_put_text(out, *t);
  rb::detail::frame_put_i64(out, r.timestamp);
  rb::detail::frame_put_i64(out, r.event_source_timestamp);
  rb::detail::frame_put_text(out, corr);
  out.append(r.payload);
  return out;
}
}  // namespace

TEST_CASE("a NATS record frame decodes to the record it encodes", "[bus][nats][message_codec]") {
  auto r = sample();
  r.correlation_id = rb::correlation{"people", "z/2024/03/16/06/59/1710572340000-0000001", "", 1};
  std::string frame;
  rb::detail::encode_nats_record(r, frame);
  const auto back = rb::detail::decode_nats_record(frame.data(), frame.size());
  REQUIRE(back.eid == r.eid);
  REQUIRE(back.correlation_id == r.correlation_id);
  REQUIRE(back.payload == r.payload);
  REQUIRE(rb::detail::nats_record_eid(frame.data(), frame.size()) == r.eid);
}

TEST_CASE("a damaged NATS frame is an rstreams::error naming the record (fuzz finding)",
          "[bus][nats][message_codec]") {
  // Found by tests/fuzz/nats_message_fuzz.cpp: a correlation that is not JSON, or JSON of the
  // wrong shape, escaped as a bare nlohmann exception.
  const auto r = sample();
  for (const std::string& corr : {std::string("{"), std::string("[1,2]"), std::string("{\"source\":5}")}) {
    const auto frame = with_correlation(r, corr);
    REQUIRE_THROWS_WITH(
        rb::detail::decode_nats_record(frame.data(), frame.size()),
        Catch::Contains("rstreams: nats: record " + r.eid) && Catch::Contains("correlation_id"));
  }
  const auto frame = with_correlation(r, "");
  REQUIRE_THROWS_AS(rb::detail::decode_nats_record(frame.data(), frame.size() - r.payload.size() - 9),
                    rstreams::error);
  REQUIRE_THROWS_AS(rb::detail::decode_nats_record("XY", 2), rstreams::error);
}
