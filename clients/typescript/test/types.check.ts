// Compiled by `npm run typecheck` (part of `npm test`): track is typed by event type.
import { QuestlogClient } from "../src/index.js";

const client = new QuestlogClient({ endpoint: "http://localhost:8000", token: "k", storage: "memory" });

client.track("BILL_VOTE", { user_id: "p-1", bill_id: "hb-12", stance: "yea", seat_weight: 1, lobby_payments_count: 0 });
client.track("POLL_INTERVAL", { schema_version: 2, poll_id: "p", leading_candidate: "a", margin: 1, sample_size: 10 });
client.track("session_start", { user_id: "p-1", client_guid: "g", build: "1", platform: "web", shard: "eu", occurred_at: new Date() });

// @ts-expect-error: "maybe" is not a stance
client.track("BILL_VOTE", { bill_id: "hb-12", stance: "maybe", seat_weight: 1, lobby_payments_count: 0 });
// @ts-expect-error: bill_id is required
client.track("BILL_VOTE", { stance: "yea", seat_weight: 1, lobby_payments_count: 0 });
// @ts-expect-error: not an event type
client.track("NOT_A_TYPE", {});
// @ts-expect-error: unknown field
client.track("death", { user_id: "p-1", client_guid: "g", build: "1", platform: "web", shard: "eu", colour: "red" });
client.track("death", { user_id: "p-1", client_guid: "g", build: "1", platform: "web", shard: "eu", zone: "cave" });

// Fields that defaults fill (the envelope, gameplay's client_guid/build/platform/shard) may be left out.
client.setDefaults({ user_id: "p-1", client_guid: "g", build: "1", platform: "web", shard: "eu" });
client.track("death", { zone: "cave" });
// @ts-expect-error: zone is a string
client.track("death", { zone: 3 });

// A game's own map of types works too.
const own = new QuestlogClient<{ jump: { type: "jump"; height: number } }>({ endpoint: "x", token: "k" });
own.track("jump", { height: 2 });
// @ts-expect-error: height is a number
own.track("jump", { height: "high" });

// The README's examples compile.
client.setDefaults({ user_id: "p-1", session_id: "s-9", source: "web" });
client.track("QUESTION_VIEWED", { question_id: "q-3", payload: { position: 3 } });
client.track("NAVIGATE_NEXT", { payload: { from_position: 3, to_position: 4 } });
