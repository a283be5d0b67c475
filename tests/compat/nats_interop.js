#!/usr/bin/env node
// The Node side of tests/bus/nats/interop_test.cpp: a plain NATS client (the `nats` npm
// package, no rstreams code) reading and writing rstreams events on JetStream.
//   node nats_interop.js read <url> <stream>            prints {"headers":{…},"body":…} per message
//   node nats_interop.js write <url> <subject> <eid> <payload JSON>
//                                                        publishes one event with rstreams' headers
"use strict";
const { connect, headers, JSONCodec } = require("nats");

async function main() {
  const [mode, url, target, eid, payload] = process.argv.slice(2);
  const nc = await connect({ servers: url });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  if (mode === "read") {
    const info = await jsm.streams.info(target);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; ++seq) {
      const m = await jsm.streams.getMessage(target, { seq });
      const h = {};
      if (m.header) for (const [k] of m.header) h[k] = m.header.get(k);
      process.stdout.write(JSON.stringify({ headers: h, body: JSONCodec().decode(m.data) }) + "\n");
    }
  } else if (mode === "write") {
    const h = headers();
    h.set("Rstreams-Eid", eid);
    h.set("Rstreams-Id", "node-bot");
    h.set("Rstreams-Timestamp", String(Date.now()));
    h.set("Rstreams-Event-Source-Timestamp", "1705321800000");
    h.set("Rstreams-Correlation-Id", JSON.stringify({ source: "elsewhere", start: "z/2024/01/15/", units: 1 }));
    await js.publish(target, JSONCodec().encode(JSON.parse(payload)), { headers: h });
  } else {
    throw new Error("usage: nats_interop.js read|write …");
  }
  await nc.drain();
}
main().catch((e) => {
  console.error("nats_interop.js:", e);
  process.exit(1);
});
