// The RStreams Node SDK itself (leo-sdk 6.0.18, pinned in tests/compat/package.json) on the
// job of bus_enrich/rstreams_default_fsync[_busy_disk] in benchmarks/bus_enrich_bench.cpp:
// `enrichEvents` over the same 200k ~100-byte payloads (the same make_payload), each getting a
// region and a VIP flag, on a quiet disk and while a second process writes and fsyncs 1 MiB at
// a time in a loop (the C++ benchmark's disk hog). The SDK runs offline in its file mock mode
// (/work/shared/reference/leo-sdk-offline.md): it reads <mock>/queue/orders.jsonl and writes
// <mock>/queue/output-data/<out>.jsonl through a plain write stream. In that mode it never
// fsyncs and never checkpoints (checkpoints go to DynamoDB, which is not mocked), so its figure
// is an upper bound of what the SDK does with durability; the disk hog reaches it only through
// the shared disk and CPU. Needs `npm ci` in tests/compat; without the SDK it prints nothing.
// Prints one JSON object per line, as benchmarks/run.sh expects. RSTREAMS_QUICK=1: one run
// instead of three.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const dir = fs.mkdtempSync(path.join(process.env.RSTREAMS_BENCH_TMP || os.tmpdir(), 'rstreams-enrich-sdk-'));
const mock = path.join(dir, 'mock');
fs.mkdirSync(path.join(mock, 'queue'), { recursive: true });
// Offline mock mode: set before the SDK is required.
process.env.RSTREAMS_MOCK_DATA = mock;
process.env.RSTREAMS_CONFIG = JSON.stringify({
  Region: 'us-east-1', LeoStream: 'mock-LeoStream', LeoCron: 'mock-LeoCron', LeoEvent: 'mock-LeoEvent',
  LeoS3: 'mock-leos3', LeoKinesisStream: 'mock-LeoKinesisStream', LeoFirehoseStream: 'mock-LeoFirehoseStream',
  LeoSettings: 'mock-LeoSettings', LeoSystem: 'mock-LeoSystem',
});
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIAMOCKMOCKMOCKMOCK';
process.env.AWS_SECRET_ACCESS_KEY = 'mockmockmockmockmockmockmockmockmockmock';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const k of ['AWS_PROFILE', 'LEO_CONFIG_SECRET', 'RSTREAMS_CONFIG_SECRET', 'LEO_DEFAULT_PROFILE']) delete process.env[k];

let sdk;
try {
  // The SDK resolves aws-sdk from the working directory's node_modules (lib/leo-aws.js).
  process.chdir(path.join(__dirname, '..', '..', 'tests', 'compat'));
  sdk = require(path.join(process.cwd(), 'node_modules', 'leo-sdk'));
} catch (e) {
  console.error(`bus_enrich_sdk.js: leo-sdk not installed (cd tests/compat && npm ci): ${e.message}`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const lines = 200000;
const countries = ['NL', 'DE', 'FR', 'US', 'BR'];

// The same payloads as make_payload() in benchmarks/support/orders.hpp.
function makePayload(i) {
  const id5 = String(i % 100000).padStart(6, '0');
  const cents = String(i % 100).padStart(2, '0');
  return `{"id":${i},"customer":"customer-${id5}","email":"c${i % 100000}@example.com",` +
    `"total":${(i * 7919) % 1000}.${cents},"country":"${countries[i % 5]}"}`;
}

// The C++ benchmark's disk hog: pwrite 1 MiB at offsets cycling over 64 MiB, fsync, repeat.
const hogCode = `
const fs = require('fs');
const fd = fs.openSync(process.argv[1], 'w');
const b = Buffer.alloc(1 << 20, 'h');
for (let i = 0; ; ++i) { fs.writeSync(fd, b, 0, b.length, (i % 64) * b.length); fs.fsyncSync(fd); }`;

function startHog() {
  return spawn(process.execPath, ['-e', hogCode, path.join(dir, 'hog.bin')], { stdio: 'ignore' });
}

// Wall seconds of one run, and the CPU seconds of this process (the SDK's one thread and libuv's).
async function runOnce(out) {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sdk.enrichEvents({
    id: 'sdk-enricher',
    inQueue: 'orders',
    outQueue: out,
    transform: async (o) => {
      o.region = o.country === 'US' || o.country === 'BR' ? 'americas' : 'europe';
      o.vip = o.total >= 500.0;
      return o;
    },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const written = fs.readFileSync(path.join(mock, 'queue', 'output-data', `${out}.jsonl`), 'utf8');
  const n = written.split('\n').filter((l) => l.length).length;
  if (n !== lines) throw new Error(`the SDK wrote ${n} events of ${lines}`);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6 };
}

(async () => {
  const parts = [];
  const t0 = Date.UTC(2024, 0, 15, 12, 30);
  for (let i = 0; i < lines; i++) {
    const eid = sdk.streams.eventIdFromTimestamp(t0, 'full', i);
    parts.push(`{"id":"loader","event":"orders","eid":"${eid}","event_source_timestamp":${t0},` +
      `"timestamp":${t0},"payload":${makePayload(i)}}\n`);
  }
  fs.writeFileSync(path.join(mock, 'queue', 'orders.jsonl'), parts.join(''));
  const runs = process.env.RSTREAMS_QUICK === '1' ? 1 : 3;
  for (const busy of [false, true]) {
    const times = [];
    for (let r = 0; r < runs; r++) {
      const hog = busy ? startHog() : null;
      try {
        times.push(await runOnce(`enriched-${busy ? 'busy' : 'quiet'}-${r}`));
      } finally {
        if (hog) {
          hog.kill('SIGKILL');
          await new Promise((resolve) => hog.once('exit', resolve));
        }
      }
    }
    times.sort((a, b) => a.seconds - b.seconds);
    const median = times[Math.floor(times.length / 2)];
    console.log(JSON.stringify({
      group: 'bus_enrich', variant: busy ? 'node_sdk_busy_disk' : 'node_sdk', items_per_second: lines / median.seconds,
      cpu_ns_per_item: (median.cpu * 1e9) / lines,
    }));
  }
})()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
