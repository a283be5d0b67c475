#!/usr/bin/env node
// Writes tests/data/eid_vectors.json: what the RStreams Node SDK (leo-sdk, pinned in
// package.json) answers for eventIdFromTimestamp and eventIdToTimestamp. Run by hand after
// `npm ci` in this folder:  node make_eid_vectors.js > ../data/eid_vectors.json
// The suite reads the checked-in output; it never needs node for this.
"use strict";
process.env.RSTREAMS_MOCK_DATA = process.env.RSTREAMS_MOCK_DATA || require("os").tmpdir();
const sdk = require("leo-sdk");
const version = require("leo-sdk/package.json").version;

const day = 86400000;
const timestamps = [
  0, 1, 999, 1000, 1001, 9999, 10000, 10001, 59999, 60000, 3599999, 3600000, day - 1, day,
  946684799999,   // 1999-12-31T23:59:59.999Z
  946684800000,   // 2000-01-01T00:00:00.000Z
  999999999999,   // the last 12-digit ms time (2001-09-09)
  1000000000000,  // the first 13-digit one
  1623691151425,  // the RStreams docs' example eid
  1705321845123,  // 2024-01-15T12:30:45.123Z
  1709251199999,  // 2024-02-29T23:59:59.999Z (leap day)
  1709251200000,  // 2024-03-01T00:00:00.000Z
  2147483647000,  // 2038-01-19 (32-bit seconds limit)
  4102444800000,  // 2100-01-01 (not a leap year)
  9999999999999,  // the last 13-digit ms time (2286)
  10000000000000, // the first 14-digit one
  253402300799999 // 9999-12-31T23:59:59.999Z
];
// A few more spread over the years, from a fixed linear congruential sequence.
let x = 12345;
for (let i = 0; i < 24; ++i) {
  x = (x * 1103515245 + 12345) % 2147483648;
  timestamps.push(Math.floor((x / 2147483648) * 4102444800000));
}
const granularities = ["year", "month", "date", "hour", "minute", "second", "millisecond", "full"];
const records = [null, 0, 1, 42, 1234567, 9999999];

const from = [];
for (const ts of timestamps)
  for (const g of granularities)
    for (const r of records) from.push({ ts, granularity: g, record: r, eid: sdk.streams.eventIdFromTimestamp(ts, g, r) });

function toTimestamp(eid) {
  try {
    const ms = sdk.streams.eventIdToTimestamp(eid);
    return Number.isNaN(ms) ? { eid, result: "nan" } : { eid, ms };
  } catch (e) {
    return { eid, result: "throws", message: String(e.message) };
  }
}
const texts = new Set(from.map((v) => v.eid));
// Malformed or unusual text.
for (const t of ["", "z", "z/", "z//", "y/2021/", "Z/2021/", "z/2021", "z/2021/", "z/20", "z/2021/0", "z/2021/00/",
  "z/2021/13/", "z/2021/6/", "z/2021/06/1", "z/2021/06/14", "z/2021/06/32/", "z/2021/02/29/", "z/2024/02/29/",
  "z/2021/06/14/24/", "z/2021/06/14/17/60/", "z/2021/06/14/17/19/abc", "z/2021/06/14/17/19/1623691151425-abc",
  "z/2021/06/14/18/19/1623691151425-0000013", "z/2021/06/14/17/19/1623691151", "z/2021/06/14/17/19/5000",
  "z/1970/01/01/00/00/5000-0000000", "z/1970/01/01/00/00/10000-0000000", "z/1970/01/01/00/00/10001-0000000",
  "z/2021/06/14/17/19/1623691151425-00000131", "z/2021/06/14/17/19/1623691151425-", "z/x/", "z/2021/ab/",
  "z/2021/06/14/17/19/-0000001", "z/2021-06-14", " z/2021/", "z/2021/06/14/17/19/1623691151425/"])
  texts.add(t);
const to = [...texts].map(toTimestamp);

process.stdout.write(JSON.stringify({
  generator: "tests/compat/make_eid_vectors.js",
  sdk: "leo-sdk@" + version,
  from_timestamp: from,
  to_timestamp: to
}, null, 0).replace(/\},\{/g, "},\n{") + "\n");
