// Node.js peer of benchmarks/io_bench.cpp's gzip_jsonl_pipeline group: the same generated
// ~100 MB gzip file of JSON lines, read -> gunzip -> split lines -> JSON.parse -> filter ->
// JSON.stringify -> gzip -> file, with Node streams (the RStreams runtime). Prints one JSON
// object per line, as benchmarks/run.sh expects (items_per_second from wall time, plus
// cpu_items_per_second from process CPU time). RSTREAMS_QUICK=1: one run instead of three.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { Transform, pipeline } = require('stream');
const { splitLines, objectStage } = require('./lib/streams');

const dir = process.env.RSTREAMS_BENCH_TMP || '/tmp/rstreams-io-bench';
const input = path.join(dir, 'input.jsonl.gz');
const lines = 650000;
const keepFrom = 50000;
const countries = ['NL', 'DE', 'FR', 'US', 'BR'];

// The same lines as make_line() in io_bench.cpp.
function makeLine(i) {
  return `{"id":${i},"user":"user${i % 1000}","amount_cents":${(i * 7919) % 100000},"country":"${countries[i % 5]}",` +
    `"tags":["alpha","beta","gamma"],"note":"the quick brown fox jumps over the lazy dog ${i}"}`;
}

function ensureInput() {
  if (fs.existsSync(input)) return;
  fs.mkdirSync(dir, { recursive: true });
  const parts = [];
  for (let i = 0; i < lines; i++) parts.push(makeLine(i) + '\n');
  fs.writeFileSync(input + '.tmp', zlib.gzipSync(Buffer.from(parts.join('')), { level: 6 }));
  fs.renameSync(input + '.tmp', input);
}

function runOnce() {
  return new Promise((resolve, reject) => {
    let kept = 0;
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    pipeline(
      fs.createReadStream(input, { highWaterMark: 1 << 16 }),
      zlib.createGunzip(),
      splitLines(),
      objectStage((line) => JSON.parse(line)),
      objectStage((o) => (o.amount_cents >= keepFrom ? o : undefined)),
      new Transform({
        writableObjectMode: true,
        transform(o, _enc, done) {
          kept++;
          done(null, JSON.stringify(o) + '\n');
        },
      }),
      zlib.createGzip({ level: 6 }),
      fs.createWriteStream(path.join(dir, 'out-node.jsonl.gz')),
      (err) => {
        if (err) return reject(err);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        resolve({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, kept });
      },
    );
  });
}

(async () => {
  ensureInput();
  const runs = process.env.RSTREAMS_QUICK === '1' ? 1 : 3;
  const times = [];
  const cpuTimes = [];
  for (let r = 0; r < runs; r++) {
    const t = await runOnce();
    times.push(t.seconds);
    cpuTimes.push(t.cpuSeconds);
  }
  const mid = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const median = mid(times);
  const cpuMedian = mid(cpuTimes);
  let bytes = 0;  // uncompressed, as io_bench.cpp counts
  for (let i = 0; i < lines; i++) bytes += makeLine(i).length + 1;
  console.log(JSON.stringify({
    group: 'gzip_jsonl_pipeline',
    variant: 'node_streams',
    items_per_second: lines / median,
    bytes_per_second: bytes / median,
    // Process CPU time (main thread plus libuv's zlib workers), for loaded machines.
    cpu_items_per_second: lines / cpuMedian,
  }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
