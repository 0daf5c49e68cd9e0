#!/usr/bin/env node
// `npm run bench`: what track() and the sampling hash cost on this machine (figures only;
// no test asserts a speed). Build first (npm run build).

import { QuestlogClient, inSample, sampleKey } from "../dist/index.js";

function time(label, n, fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${label.padEnd(48)} ${(ns / n / 1000).toFixed(2).padStart(8)} µs each  (${n} runs)`);
}

const never = () => new Promise(() => {}); // a server that never answers: nothing leaves the queue
const client = new QuestlogClient({ endpoint: "http://bench", token: "k", fetch: never, config: false, storage: "memory", batchSize: 1000, flushInterval: 3_600_000 });
await client.ready;
const vote = { user_id: "p-1", bill_id: "hb-12", stance: "yea", seat_weight: 1, lobby_payments_count: 0 };
time("track() of a BILL_VOTE, queue filling", 5_000, () => client.track("BILL_VOTE", vote));
const full = new QuestlogClient({ endpoint: "http://bench", token: "k", fetch: never, config: false, storage: "memory", batchSize: 1000, flushInterval: 3_600_000, maxBytes: 64 * 1024 });
await full.ready;
for (let i = 0; i < 2_000; i++) full.track("BILL_VOTE", vote);
time("track() when the byte cap is reached (dropped)", 20_000, () => full.track("BILL_VOTE", vote));
const sampled = new QuestlogClient({ endpoint: "http://bench", token: "k", fetch: never, config: false, storage: "memory", batchSize: 1000, flushInterval: 3_600_000, sampleRates: { BILL_VOTE: 0.3 } });
await sampled.ready;
time("track() of a sampled type (hash + decision)", 5_000, (i) => sampled.track("BILL_VOTE", { ...vote, user_id: `p-${i}` }));
time("inSample(player + type, 0.3)", 100_000, (i) => inSample(sampleKey(`player-${i}`, "loot_drop"), 0.3));
console.log(`queued ${client.stats().queued} (${client.stats().queuedBytes} bytes); dropped at the cap ${full.stats().dropped.overflow}`);
process.exit(0);
