#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/local/record_codec.hpp>

#include <support/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

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
  // Each field past the inline check is still checked.
  r = sample(false);
  r.eid = std::string(70000, 'e');
  REQUIRE_THROWS_AS(rd::check_frame_limits(r), rstreams::config_error);
  r = sample(true);
  REQUIRE_NOTHROW(rd::check_frame_limits(r));
  r.correlation_id->end = std::string(70000, 'c');
  REQUIRE_THROWS_AS(rd::check_frame_limits(r), rstreams::config_error);
}

TEST_CASE("same_text compares every byte of short and long texts", "[bus][local][record_codec]") {
  for (std::size_t n = 0; n <= 40; ++n) {
    CAPTURE(n);
    std::string a(n, 'a');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    const std::string b = a;
    REQUIRE(rd::same_text(a, b));
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      std::string c = a;
      c[i] = static_cast<char>(c[i] ^ 0x20);
      REQUIRE_FALSE(rd::same_text(a, c));
    }
    REQUIRE_FALSE(rd::same_text(a, a + "x"));
  }
}

namespace {

// Odd envelopes: eids across ms and sequence boundaries, eids not in the standard form, an empty
// id and one that differs from the batch's, correlations with empty fields, extreme timestamps.
std::vector<rb::record> odd_batch() {
  std::vector<rb::record> rs;
  const auto add = [&](std::string eid, std::string id, std::int64_t ts, std::int64_t est,
                       std::optional<rb::correlation> c, std::string payload) {
    rb::record r;
    r.eid = std::move(eid);
    r.id = std::move(id);
    r.event = "orders";
    r.timestamp = ts;
    r.event_source_timestamp = est;
    r.correlation_id = std::move(c);
    r.payload = std::move(payload);
    rs.push_back(std::move(r));
  };
  add(rb::make_eid(1623691151425, 9'999'998), "bot", 1623691151425, 1623691151425, std::nullopt,
      R"({"a":1})");
  add(rb::make_eid(1623691151425, 9'999'999), "bot", 1623691151425, 0, std::nullopt, "");
  add(rb::make_eid(1623691151426, 0), "other", -5, INT64_MAX, rb::correlation{"", "", "", 0}, "x");
  add("not-an-eid", "", INT64_MIN, INT64_MIN, rb::correlation{"raw", "z/a", "z/b", ~std::uint64_t{0}}, "{}");
  add("z/2021/06/14/17/19/1623691151999-0000001x", "bot", 0, 1, std::nullopt, std::string(300, 'p'));
  add(rb::make_eid(1623691299999, 42), "bot", 1623691151425, 1623691151000,
      rb::correlation{"upstream", rb::make_eid(1, 0), rb::make_eid(2, 0), 7}, R"({"b":[1,2,3]})");
  add("", "bot", 7, 7, std::nullopt, "{}");
  return rs;
}

std::vector<rb::record> read_batch(const std::string& buf, std::uint64_t& first_recno) {
  rd::frame_view f;
  REQUIRE(rd::parse_frame(buf.data(), buf.size(), f) == rd::frame_status::ok);
  REQUIRE(f.batch);
  REQUIRE(f.size == buf.size());
  REQUIRE(rd::check_records(f) == rd::frame_status::ok);
  first_recno = f.recno;
  std::vector<rb::record> out;
  rd::frame_records recs(f);
  rd::record_view v;
  while (recs.next(v)) {
    REQUIRE(v.recno == f.recno + out.size());
    rd::view_to_record(v, "orders", out.emplace_back());
  }
  REQUIRE(recs.status() == rd::frame_status::ok);
  REQUIRE(out.size() == f.count);
  return out;
}

}  // namespace

TEST_CASE("a batch frame round-trips odd envelopes byte for byte", "[bus][local][record_codec]") {
  const auto rs = odd_batch();
  std::string buf;
  rd::encode_batch_frame(buf, rs, 1000);
  std::uint64_t recno = 0;
  REQUIRE(read_batch(buf, recno) == rs);
  REQUIRE(recno == 1000);
  // Every record as the first of its own batch, too (each field then is the batch's base).
  for (std::size_t i = 0; i < rs.size(); ++i) {
    std::string one;
    rd::encode_batch_frame(one, std::span(rs).subspan(i), i);
    REQUIRE(read_batch(one, recno) ==
            std::vector<rb::record>(rs.begin() + static_cast<std::ptrdiff_t>(i), rs.end()));
  }
}

TEST_CASE("a batch frame can be read from a position inside it", "[bus][local][record_codec]") {
  const auto rs = odd_batch();
  std::string buf;
  rd::encode_batch_frame(buf, rs, 5);
  rd::frame_view f;
  REQUIRE(rd::parse_frame(buf.data(), buf.size(), f) == rd::frame_status::ok);
  rd::frame_records walk(f);
  rd::record_view v;
  std::vector<std::pair<std::uint32_t, std::size_t>> at;
  do at.emplace_back(walk.index(), walk.offset());
  while (walk.next(v));
  for (std::size_t k = 0; k < rs.size(); ++k) {
    rd::frame_records from(f);
    from.seek(at[k].first, at[k].second);
    REQUIRE(from.next(v));
    rb::record r;
    rd::view_to_record(v, "orders", r);
    REQUIRE(r == rs[k]);
    REQUIRE(v.recno == 5 + k);
  }
}

TEST_CASE("a batch frame of standard records costs a few bytes beside the payloads",
          "[bus][local][record_codec]") {
  std::vector<rb::record> rs(1000);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    rs[i].eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
    rs[i].id = "bench-loader";
    rs[i].event = "orders";
    rs[i].timestamp = rs[i].event_source_timestamp = 1623691151425;
    rs[i].payload = std::string(100, 'x');
  }
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  // flags, eid deltas (2), timestamp deltas (2), payload length: 6 bytes; then the frame's own.
  REQUIRE(buf.size() == rd::frame_header_size + rd::batch_body_fixed + 12 + 1000 * 106);
  std::uint64_t recno = 0;
  REQUIRE(read_batch(buf, recno) == rs);
}

TEST_CASE("a batch frame copies payloads of every length byte for byte", "[bus][local][record_codec]") {
  // Lengths 0 to 300 cross each way the writer copies (inline blocks from 16 to 128 bytes,
  // memcpy below and above), common records and odd ones (an own bot id) alike.
  std::vector<rb::record> rs(301);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    rs[i].eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
    rs[i].id = i % 5 == 4 ? "own-bot" : "bench-loader";
    rs[i].event = "orders";
    rs[i].timestamp = rs[i].event_source_timestamp = 1623691151425;
    for (std::size_t k = 0; k < i; ++k) rs[i].payload.push_back(static_cast<char>('!' + (i * 7 + k) % 90));
  }
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  std::uint64_t recno = 0;
  REQUIRE(read_batch(buf, recno) == rs);
}

TEST_CASE("a batch frame's checksum, taken while it is written, is the CRC32C of its body",
          "[bus][local][record_codec]") {
  // Payloads of every size around the steps the checksum is taken in, common records and odd
  // ones (own ids, correlations, eid texts) mixed, frames from one record to hundreds of KiB.
  std::mt19937 rng(5);
  const auto odd = odd_batch();
  for (const std::size_t n : {1UL, 2UL, 7UL, 40UL, 300UL}) {
    std::vector<rb::record> rs;
    for (std::size_t i = 0; i < n; ++i) {
      rb::record r;
      if (rng() % 4 == 0) {
        r = odd[rng() % odd.size()];
      } else {
        r.eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
        r.id = "bot";
        r.timestamp = r.event_source_timestamp = 1623691151425;
      }
      r.payload =
          std::string(rng() % 3 == 0 ? 2040 + rng() % 16 : rng() % 5000, static_cast<char>('a' + i % 26));
      rs.push_back(std::move(r));
    }
    std::string buf;
    rd::encode_batch_frame(buf, rs, 3);
    CAPTURE(n, buf.size());
    const auto body_len = rd::get_le<std::uint32_t>(buf.data() + 4);
    REQUIRE(rd::get_le<std::uint32_t>(buf.data() + 8) ==
            rd::crc32c_software(0, buf.data() + rd::frame_header_size, body_len));
    std::uint64_t recno = 0;
    auto back = read_batch(buf, recno);
    REQUIRE(back.size() == rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) REQUIRE(back[i].payload == rs[i].payload);
  }
}

TEST_CASE("a batch frame tells a torn tail from a damaged byte", "[bus][local][record_codec]") {
  const auto rs = odd_batch();
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  rd::frame_view f;
  for (std::size_t cut = 0; cut < buf.size(); ++cut)
    REQUIRE(rd::parse_frame(buf.data(), cut, f) == rd::frame_status::incomplete);
  for (std::size_t at = 0; at < buf.size(); ++at) {
    CAPTURE(at);
    auto bad = buf;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    const auto st = rd::parse_frame(bad.data(), bad.size(), f);
    if (at < rd::frame_header_size)
      REQUIRE((st == rd::frame_status::bad_header || st == rd::frame_status::incomplete));
    else
      REQUIRE(st == rd::frame_status::bad_body);
    // Unverified, the records never read outside the frame, whatever they decode to.
    if (rd::parse_frame(bad.data(), bad.size(), f, false) == rd::frame_status::ok) (void)rd::check_records(f);
  }
}

TEST_CASE("a batch frame whose records do not add up is bad_layout", "[bus][local][record_codec]") {
  const auto rs = odd_batch();
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  auto more = buf;
  rd::put_le<std::uint32_t>(more.data() + rd::frame_header_size + 4,
                            static_cast<std::uint32_t>(rs.size() + 1));
  rd::seal_frame(more.data());
  rd::frame_view f;
  REQUIRE(rd::parse_frame(more.data(), more.size(), f) == rd::frame_status::ok);
  REQUIRE(rd::check_records(f) == rd::frame_status::bad_layout);
  auto fewer = buf;
  rd::put_le<std::uint32_t>(fewer.data() + rd::frame_header_size + 4,
                            static_cast<std::uint32_t>(rs.size() - 1));
  rd::seal_frame(fewer.data());
  REQUIRE(rd::parse_frame(fewer.data(), fewer.size(), f) == rd::frame_status::ok);
  REQUIRE(rd::check_records(f) == rd::frame_status::bad_layout);
}

TEST_CASE("a batch frame writes back every eid text across sequence carries, gaps and new milliseconds",
          "[bus][local][record_codec]") {
  // Consecutive sequences (the common record: an increment of the previous text), carries over
  // one to all seven digits, gaps and new milliseconds (the text written afresh), and payload
  // lengths of one, two and three varint bytes.
  std::vector<rb::record> rs;
  const auto add = [&](std::int64_t ms, std::uint32_t seq, std::size_t payload) {
    rb::record r;
    r.eid = rb::make_eid(ms, seq);
    r.id = "bot";
    r.event = "orders";
    r.timestamp = r.event_source_timestamp = 1623691151425;
    r.payload = std::string(payload, 'p');
    rs.push_back(std::move(r));
  };
  const std::int64_t ms = 1623691151425;
  for (const std::uint32_t start : {0u, 7u, 97u, 998u, 999'998u, 9'999'990u})
    for (std::uint32_t s = start; s < start + 5 && s <= rb::eid_max_seq; ++s)
      add(ms, s, s % 3 == 0 ? 127 : s % 3 == 1 ? 128 : 16'384);
  add(ms + 1, 0, 0);
  add(ms + 1, 1, 16'383);
  add(ms + 1, 3, 1);
  add(ms + 86'400'000, 4, 2);
  add(ms + 86'400'000, 5, 70'000);
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  std::uint64_t recno = 0;
  REQUIRE(read_batch(buf, recno) == rs);
  // Each record read into one reused record (read buffers overwrite their records in place).
  rd::frame_view f;
  REQUIRE(rd::parse_frame(buf.data(), buf.size(), f) == rd::frame_status::ok);
  rd::frame_records recs(f);
  rd::record_view v;
  rb::record reused;
  for (const auto& r : rs) {
    REQUIRE(recs.next(v));
    rd::view_to_record(v, "orders", reused);
    REQUIRE(reused == r);
  }
  REQUIRE_FALSE(recs.next(v));
  REQUIRE(recs.status() == rd::frame_status::ok);
  // A run of common records (one ms, consecutive sequences) across carries.
  for (const std::uint32_t start : {95u, 999'990u}) {
    rs.clear();
    for (std::uint32_t s = start; s < start + 20; ++s) add(ms, s, 100);
    std::string run;
    rd::encode_batch_frame(run, rs, 0);
    REQUIRE(read_batch(run, recno) == rs);
  }
}

namespace {

// Encodes `rs` as one batch frame the way queue_log's append does: a record by the general path
// (its eid from `seq` at `now`, stamped, add()), then add_run from the next one. Returns the
// frame, and in `starts` the records add_run was not given to (the general path's).
std::string encode_with_runs(std::vector<rb::record>& rs, rd::eid_sequencer& seq, std::int64_t now,
                             std::vector<std::size_t>& starts) {
  std::string buf(1 << 20, '\0');
  rd::batch_writer w;
  rd::eid_sequencer::run run(seq);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    auto& r = rs[i];
    starts.push_back(i);
    const auto parts = run.next(now, r.eid);
    r.event = "orders";
    if (r.timestamp == 0) r.timestamp = now;
    if (r.event_source_timestamp == 0) r.event_source_timestamp = r.timestamp;
    if (i == 0) w.begin(buf.data(), r, &parts, 0);
    w.add(r, &parts);
    const auto stop = w.add_run(rs, i + 1, buf.size(), run, now, "orders");
    REQUIRE(stop > i);
    i = stop - 1;
  }
  run.commit();
  buf.resize(w.finish());
  return buf;
}

}  // namespace

TEST_CASE("add_run stamps and writes common records byte for byte as add() does, and leaves any other",
          "[bus][local][record_codec]") {
  // Records with nothing set (the common ones), and among them one of each kind add_run leaves
  // to the general path (a correlation, its own bot id) or takes out of line (timestamps of its
  // own), an event to be renamed, and payloads of 0 to 20000 bytes.
  const std::int64_t now = 1623691151425;
  std::vector<rb::record> rs(60);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    auto& r = rs[i];
    r.id = "bot";
    r.payload = std::string(i == 30 ? 20'000 : i * 7 % 300, static_cast<char>('a' + i % 26));
  }
  rs[5].correlation_id = rb::correlation{"raw", "z/a", "z/b", 2};
  rs[9].id = "other-bot";
  rs[14].timestamp = now - 1000;
  rs[15].event_source_timestamp = now - 5;
  rs[20].event = "elsewhere";
  rs[21].event = "orders";
  rd::eid_sequencer seq;
  std::vector<std::size_t> starts;
  const auto frame = encode_with_runs(rs, seq, now, starts);
  // The general path took the first record and the two add_run leaves.
  REQUIRE(starts == std::vector<std::size_t>{0, 5, 9});
  for (std::size_t i = 0; i < rs.size(); ++i) {
    CAPTURE(i);
    REQUIRE(rs[i].eid == rb::make_eid(now, static_cast<std::uint32_t>(i)));
    REQUIRE(rs[i].event == "orders");
    REQUIRE(rs[i].timestamp == (i == 14 ? now - 1000 : now));
    REQUIRE(rs[i].event_source_timestamp == (i == 14 ? now - 1000 : i == 15 ? now - 5 : now));
  }
  // The stamped records, encoded by add() alone, give the same bytes.
  std::string ref;
  rd::encode_batch_frame(ref, rs, 0);
  REQUIRE(frame == ref);
  std::uint64_t recno = 0;
  REQUIRE(read_batch(frame, recno) == rs);
}

TEST_CASE("add_run stops before a record that does not fit its room or needs a new millisecond",
          "[bus][local][record_codec]") {
  const std::int64_t now = 1623691151425;
  const auto records = [](std::size_t n) {
    std::vector<rb::record> rs(n);
    for (auto& r : rs) {
      r.id = "bot";
      r.payload = std::string(100, 'p');
    }
    return rs;
  };
  SECTION("the room") {
    auto rs = records(10);
    std::string buf(1 << 16, '\0');
    rd::eid_sequencer seq;
    rd::eid_sequencer::run run(seq);
    rd::batch_writer w;
    const auto parts = run.next(now, rs[0].eid);
    rs[0].event = "orders";
    rs[0].timestamp = rs[0].event_source_timestamp = now;
    w.begin(buf.data(), rs[0], &parts, 0);
    w.add(rs[0], &parts);
    // Room for three more records (6 bytes beside the payload each) and not quite a fourth at
    // its longest (batch_record_max, with the eid it gets).
    const auto longest = rd::batch_record_max(rs[0]);
    const auto room = w.size() + 3 * 106 + longest - 1;
    REQUIRE(w.add_run(rs, 1, room, run, now, "orders") == 4);
    REQUIRE(w.count() == 4);
    REQUIRE(rs[4].eid.empty());  // not stamped: its eid is still the run's next
    REQUIRE(w.add_run(rs, 4, room + 1, run, now, "orders") == 5);
    REQUIRE(w.add_run(rs, 5, buf.size(), run, now, "orders") == 10);
    run.commit();
    buf.resize(w.finish());
    for (std::size_t i = 0; i < rs.size(); ++i)
      REQUIRE(rs[i].eid == rb::make_eid(now, static_cast<std::uint32_t>(i)));
    std::string ref;
    rd::encode_batch_frame(ref, rs, 0);
    REQUIRE(buf == ref);
  }
  SECTION("the last sequence of a millisecond") {
    // The clock stands still at `now`, whose sequence runs out in the batch: the record after
    // the last one of the ms goes to the general path, which borrows the next ms.
    auto rs = records(8);
    rd::eid_sequencer seq;
    seq.continue_after({now, rb::eid_max_seq - 4});
    std::vector<std::size_t> starts;
    const auto frame = encode_with_runs(rs, seq, now, starts);
    REQUIRE(starts == std::vector<std::size_t>{0, 4});
    REQUIRE(rs[3].eid == rb::make_eid(now, rb::eid_max_seq));
    REQUIRE(rs[4].eid == rb::make_eid(now + 1, 0));
    REQUIRE(rs[7].eid == rb::make_eid(now + 1, 3));
    std::string ref;
    rd::encode_batch_frame(ref, rs, 0);
    REQUIRE(frame == ref);
    std::uint64_t recno = 0;
    REQUIRE(read_batch(frame, recno) == rs);
  }
}

TEST_CASE("a record read over an earlier one keeps nothing of it", "[bus][local][record_codec]") {
  const auto rs = odd_batch();
  std::string buf;
  rd::encode_batch_frame(buf, rs, 0);
  rd::frame_view f;
  REQUIRE(rd::parse_frame(buf.data(), buf.size(), f) == rd::frame_status::ok);
  // Every pair in both orders: longer and shorter texts, a correlation and none.
  for (std::size_t a = 0; a < rs.size(); ++a) {
    for (std::size_t b = 0; b < rs.size(); ++b) {
      rd::frame_records recs(f);
      rd::record_view v;
      rb::record r;
      for (std::size_t k = 0; k <= std::max(a, b); ++k) {
        REQUIRE(recs.next(v));
        if (k == a) rd::view_to_record(v, "orders", r);
      }
      rd::frame_records again(f);
      for (std::size_t k = 0; k <= b; ++k) REQUIRE(again.next(v));
      rd::view_to_record(v, "orders", r);
      REQUIRE(r == rs[b]);
    }
  }
}
