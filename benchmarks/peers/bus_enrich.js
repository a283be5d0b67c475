// Node.js peer of benchmarks/bus_enrich_bench.cpp (group bus_enrich): the same enrich job with
// Node streams over JSON-lines files, standing in for the RStreams runtime (whose bots are Node
// streams: read -> parse -> transform -> stringify -> write). 200k lines of the same ~100-byte
// JSON payloads; each is parsed, gets a region and a VIP flag, and is written to another file.
// Prints one JSON object per line, as benchmarks/run.sh expects. RSTREAMS_QUICK=1: one run
// instead of five.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Transform, pipeline } = require('stream');
const { splitLines, objectStage } = require('./lib/streams');

const dir = fs.mkdtempSync(path.join(process.env.RSTREAMS_BENCH_TMP || os.tmpdir(), 'rstreams-enrich-node-'));
const input = path.join(dir, 'orders.jsonl');
const lines = 200000;
const countries = ['NL', 'DE', 'FR', 'US', 'BR'];

// The same payloads as make_payload() in bus_enrich_bench.cpp.
function makeLine(i) {
  const id5 = String(i % 100000).padStart(6, '0');
  const cents = String(i % 100).padStart(2, '0');
  return `{"id":${i},"customer":"customer-${id5}","email":"c${i % 100000}@example.com",` +
    `"total":${(i * 7919) % 1000}.${cents},"country":"${countries[i % 5]}"}`;
}

function enrichOrder(o) {
  o.region = o.country === 'US' || o.country === 'BR' ? 'americas' : 'europe';
  o.vip = o.total >= 500.0;
  return o;
}

function runOnce() {
  return new Promise((resolve, reject) => {
    let n = 0;
    const start = process.hrtime.bigint();
    pipeline(
      fs.createReadStream(input, { highWaterMark: 1 << 16 }),
      splitLines(),
      objectStage((line) => JSON.parse(line)),
      objectStage(enrichOrder),
      new Transform({
        writableObjectMode: true,
        transform(o, _enc, done) {
          n++;
          done(null, JSON.stringify(o) + '\n');
        },
      }),
      fs.createWriteStream(path.join(dir, 'out.jsonl')),
      (err) => {
        if (err) return reject(err);
        if (n !== lines) return reject(new Error(`lost lines: ${n}`));
        resolve(Number(process.hrtime.bigint() - start) / 1e9);
      },
    );
  });
}

(async () => {
  const parts = [];
  for (let i = 0; i < lines; i++) parts.push(makeLine(i) + '\n');
  fs.writeFileSync(input, parts.join(''));
  const runs = process.env.RSTREAMS_QUICK === '1' ? 1 : 5;
  const times = [];
  for (let r = 0; r < runs; r++) times.push(await runOnce());
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ group: 'bus_enrich', variant: 'node_streams', items_per_second: lines / median }));
})()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
