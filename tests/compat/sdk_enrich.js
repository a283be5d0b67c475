#!/usr/bin/env node
// The SDK's side of tests/bus/transfer/sdk_roundtrip_test.cpp: the RStreams Node SDK (leo-sdk,
// offline file mock mode) enriches queue <in> of the mock folder <dir> into <out>.
// Usage: node sdk_enrich.js <dir> <in> <out>. Each payload gets "enriched": true; a payload
// whose n is a multiple of 5 becomes two events (the SDK marks the first with partial_start).
"use strict";
const [dir, inQueue, outQueue] = process.argv.slice(2);
if (!dir || !inQueue || !outQueue) {
  console.error("usage: node sdk_enrich.js <mock dir> <in queue> <out queue>");
  process.exit(2);
}
// Offline mock mode: set before the SDK is required (see shared/reference/leo-sdk-offline.md).
process.env.RSTREAMS_MOCK_DATA = dir;
process.env.RSTREAMS_CONFIG = JSON.stringify({
  Region: "us-east-1", LeoStream: "mock-LeoStream", LeoCron: "mock-LeoCron", LeoEvent: "mock-LeoEvent",
  LeoS3: "mock-leos3", LeoKinesisStream: "mock-LeoKinesisStream", LeoFirehoseStream: "mock-LeoFirehoseStream",
  LeoSettings: "mock-LeoSettings", LeoSystem: "mock-LeoSystem"
});
process.env.AWS_REGION = "us-east-1";
process.env.AWS_ACCESS_KEY_ID = "AKIAMOCKMOCKMOCKMOCK";
process.env.AWS_SECRET_ACCESS_KEY = "mockmockmockmockmockmockmockmockmockmock";
process.env.AWS_EC2_METADATA_DISABLED = "true";
for (const k of ["AWS_PROFILE", "LEO_CONFIG_SECRET", "RSTREAMS_CONFIG_SECRET", "LEO_DEFAULT_PROFILE"]) delete process.env[k];

const sdk = require("leo-sdk");
sdk.enrichEvents({
  id: "sdk-enricher",
  inQueue,
  outQueue,
  transform: async (payload) => {
    const out = Object.assign({}, payload, { enriched: true });
    return payload.n % 5 === 0 ? [Object.assign({ part: 1 }, out), Object.assign({ part: 2 }, out)] : out;
  }
}).then(() => process.exit(0), (err) => {
  console.error("sdk_enrich.js:", err);
  process.exit(1);
});
