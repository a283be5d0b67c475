// Node.js peer of benchmarks/exec_bench.cpp's three_stage_items group: a source of integers,
// a middle stage (x*3 plus a short mix, as `middle()` there, in 32-bit arithmetic), and a sink
// that keeps y % 7 != 0 and sums, as object-mode Node streams (the RStreams runtime), one
// element per object. Prints one JSON object per line, as benchmarks/run.sh expects.
// RSTREAMS_QUICK=1: a short run.
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');

const quick = process.env.RSTREAMS_QUICK === '1';
const n = quick ? 200000 : 1000000;

function middle(x) {
  let h = (x * 3) | 0;
  for (let i = 0; i < 16; i++) h = (Math.imul(h, 1664525) + 1013904223) | 0;
  return (x * 3) ^ (h & 1);
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
        done(null, middle(x));
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
})();
