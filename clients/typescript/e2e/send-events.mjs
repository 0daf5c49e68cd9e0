// A Node service in a process of its own: `node send-events.mjs URL KEY USER COUNT [QUEUE_FILE]`.
// Tracks COUNT events (none when 0), flushes, prints the client's stats as JSON, and exits
// without close() — a crash, as far as the queue file knows.

import { QuestlogClient } from "../dist/index.js";
import { FileStore } from "../dist/node.js";

const [url, token, user, count, file] = process.argv.slice(2);
const client = new QuestlogClient({
  endpoint: url, token, batchSize: 100, maxRetries: 1, backoffBase: 100,
  storage: file ? new FileStore(file) : "memory",
});
for (let i = 0; i < Number(count); i++) {
  client.track("BILL_VOTE", { user_id: user, bill_id: `hb-${i}`, stance: "yea", seat_weight: 1, lobby_payments_count: i });
}
const delivered = await client.flush({ timeout: 20_000 });
console.log(JSON.stringify({ delivered, ...client.stats() }));
process.exit(0);
