// Fuzz target for the local log's frame decoding (bus/local/record_codec.hpp: version 1 record
// frames and version 3 batch frames) and segment header decoding (bus/local/segment_header.hpp):
// for any bytes, parsing and walking a frame's records never reads out of bounds (checksummed
// or not); a frame that parses agrees with its header check, and the records it holds encode
// to a frame that parses back to the same records; a header that decodes re-encodes to the
// same fields.
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/segment_header.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "local_frame_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = rstreams::bus::detail;
  // A private copy, so that a read past the end is an ASan error even inside the caller's buffer.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  d::frame_view f;
  const auto st = d::parse_frame(bytes.data(), bytes.size(), f);
  std::size_t hsize = 0;
  const auto hst = d::parse_frame_header(bytes.data(), bytes.size(), hsize);
  if (st == d::frame_status::ok && !f.batch) {
    check(hst == d::frame_status::ok && hsize == f.size && f.size <= bytes.size(), "header check disagrees");
    rstreams::bus::record r;
    d::frame_to_record(f, "q", r);
    std::string again;
    d::encode_frame(again, r, f.recno);
    d::frame_view g;
    check(d::parse_frame(again.data(), again.size(), g) == d::frame_status::ok,
          "re-encoded frame does not parse");
    rstreams::bus::record r2;
    d::frame_to_record(g, "q", r2);
    check(r2 == r && g.recno == f.recno, "re-encoded frame holds another record");
  }
  if (st == d::frame_status::ok && f.batch) {
    check(hst == d::frame_status::ok && hsize == f.size && f.size <= bytes.size(), "header check disagrees");
    // Its records, when they all decode, encode to a batch frame holding the same records.
    std::vector<rstreams::bus::record> rs;
    d::frame_records recs(f);
    d::record_view v;
    while (recs.next(v)) {
      check(v.recno == f.recno + rs.size(), "record numbers do not follow the batch's base");
      d::view_to_record(v, "q", rs.emplace_back());
    }
    check((recs.status() == d::frame_status::ok) == (d::check_records(f) == d::frame_status::ok),
          "check_records disagrees with a walk");
    if (recs.status() == d::frame_status::ok) {
      std::string again;
      d::encode_batch_frame(again, rs, f.recno);
      d::frame_view g;
      check(d::parse_frame(again.data(), again.size(), g) == d::frame_status::ok && g.batch &&
                g.count == rs.size() && g.recno == f.recno,
            "re-encoded batch does not parse");
      d::frame_records back(g);
      std::size_t k = 0;
      while (back.next(v)) {
        rstreams::bus::record r2;
        d::view_to_record(v, "q", r2);
        check(k < rs.size() && r2 == rs[k], "re-encoded batch holds other records");
        ++k;
      }
      check(back.status() == d::frame_status::ok && k == rs.size(), "re-encoded batch is short");
    }
  }
  {
    // Unverified (as readers skip records): decoding never leaves the frame, whatever it holds.
    d::frame_view u;
    if (d::parse_frame(bytes.data(), bytes.size(), u, false) == d::frame_status::ok)
      (void)d::check_records(u);
  }
  if (hst == d::frame_status::bad_header)
    check(st == d::frame_status::bad_header, "frame parse ignores a bad header");

  const auto h = d::decode_segment_head(bytes.data(), bytes.size(), bytes.size());
  if (h.kind == d::segment_kind::headed) {
    check(h.data_start <= bytes.size() && h.data_start % 8 == 0, "header size out of range");
    const auto again = d::encode_segment_header(
        h.queue, h.number, h.base_recno, d::get_le<std::int64_t>(bytes.data() + 24), h.durable, h.version);
    const auto h2 = d::decode_segment_head(again.data(), again.size(), again.size());
    check(h2.kind == d::segment_kind::headed && h2.queue == h.queue && h2.number == h.number &&
              h2.base_recno == h.base_recno && h2.durable == h.durable && h2.data_start == h.data_start &&
              h2.version == h.version,
          "segment header does not round-trip");
  }
  return 0;
}
