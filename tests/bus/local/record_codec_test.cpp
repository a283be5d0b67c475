#include <rstreams/bus/local/record_codec.hpp>

#include <support/catch.hpp>

#include <string>

namespace rb = rstreams::bus;
namespace rd = rstreams::bus::detail;

namespace {
rb::record sample(bool with_correlation) {
  rb::record r;
  r.eid = "z/2021/06/14/17/19/1623691151425-0000013";
  r.id = "bot";
  r.event = "orders";
  r.timestamp = 1623691151425;
  r.event_source_timestamp = 1623691150000;
  if (with_correlation) r.correlation_id = rb::correlation{"raw", "z/a", "z/b", 2};
  r.payload = R"({"x":1})";
  return r;
}
}  // namespace

TEST_CASE("a frame round-trips a record", "[bus][local][record_codec]") {
  for (const bool corr : {false, true}) {
    const auto r = sample(corr);
    std::string buf;
    rd::encode_frame(buf, r, 41);
    REQUIRE(buf.size() == rd::frame_size(r));
    rd::frame_view f;
    REQUIRE(rd::parse_frame(buf.data(), buf.size(), f) == rd::frame_status::ok);
    REQUIRE(f.recno == 41);
    rb::record back;
    rd::frame_to_record(f, "orders", back);
    REQUIRE(back == r);
  }
}

TEST_CASE("a frame tells a short tail from a damaged header or body", "[bus][local][record_codec]") {
  std::string buf;
  rd::encode_frame(buf, sample(true), 0);
  rd::frame_view f;
  REQUIRE(rd::parse_frame(buf.data(), 10, f) == rd::frame_status::incomplete);
  REQUIRE(rd::parse_frame(buf.data(), buf.size() - 1, f) == rd::frame_status::incomplete);
  auto header = buf;
  header[5] ^= 1;  // the body length
  REQUIRE(rd::parse_frame(header.data(), header.size(), f) == rd::frame_status::bad_header);
  auto body = buf;
  body[buf.size() - 2] ^= 1;
  REQUIRE(rd::parse_frame(body.data(), body.size(), f) == rd::frame_status::bad_body);
  REQUIRE(rd::parse_frame(body.data(), body.size(), f, false) == rd::frame_status::ok);  // unverified skip
  const std::string zeros(64, '\0');
  REQUIRE(rd::parse_frame(zeros.data(), zeros.size(), f) == rd::frame_status::bad_header);
}

TEST_CASE("fields too long for the frame are refused", "[bus][local][record_codec]") {
  auto r = sample(false);
  r.id = std::string(70000, 'a');
  REQUIRE_THROWS_AS(rd::check_frame_limits(r), rstreams::config_error);
}
