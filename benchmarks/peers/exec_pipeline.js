// Node.js peer of benchmarks/exec_bench.cpp's three_stage_items group: a source of the integers
// 0..1M-1, a middle stage computing hash32 (six multiply-xorshift rounds in 32-bit arithmetic,
// the same function as there, written with Math.imul) and a sink that keeps y % 7 != 0 and sums,
// as object-mode Node streams (the RStreams runtime), one element per object. The total must
// equal the C++ one, so both sides provably do the same work. Prints one JSON object per line,
// as benchmarks/run.sh expects. RSTREAMS_QUICK=1: a single run.
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');

const quick = process.env.RSTREAMS_QUICK === '1';
const n = 1000000;
const expectedTotal = 1839920182121355; // exec_bench.cpp: stage_total (below 2^53, exact)

function hash32(x) {
  let h = Math.imul(x, 3);
  for (let i = 0; i < 6; i++) {
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
  }
  return (h ^ (h >>> 15)) >>> 0;
}

function once() {
  return new Promise((resolve, reject) => {
    let next = 0;
    let total = 0;
    const source = new Readable({
      objectMode: true,
      read() {
        while (next < n) {
          if (!this.push(next++)) return;
        }
        this.push(null);
      },
    });
    const mid = new Transform({
      objectMode: true,
      transform(x, _enc, done) {
        done(null, hash32(x));
      },
    });
    const sink = new Writable({
      objectMode: true,
      write(y, _enc, done) {
        if (y % 7 !== 0) total += y;
        done();
      },
    });
    const t0 = process.hrtime.bigint();
    pipeline(source, mid, sink, (err) => {
      if (err) return reject(err);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (total !== expectedTotal) return reject(new Error(`exec_pipeline.js: total ${total}, expected ${expectedTotal}`));
      resolve({ seconds, total });
    });
  });
}

(async () => {
  const runs = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) runs.push((await once()).seconds);
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)];
  console.log(JSON.stringify({ group: 'three_stage_items', variant: 'node_streams', items_per_second: n / median }));
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
