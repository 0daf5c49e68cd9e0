export { QuestlogClient } from "./client.js";
export type { ClientOptions, ClientStats, DropCounts, Envelope, Fields } from "./client.js";
export type { EventType, EventTypes, QuestlogEvent } from "./events.generated.js";
export { EVENT_TYPES } from "./events.generated.js";
export { backoffDelay, inSample, retryAfterMs, sampleHash, sampleKey, verdict } from "./policy.js";
export type { Verdict } from "./policy.js";
export type { Entry } from "./queue.js";
export { BrowserStore, IndexedDbStore, LocalStorageStore, MemoryStore } from "./storage.js";
export type { Change, Meta, QueueStore } from "./storage.js";

import { type ClientOptions, QuestlogClient } from "./client.js";
import type { EventTypes } from "./events.generated.js";

/** A client for Questlog's event types (or your own map of types to fields). */
export function createClient<E extends object = EventTypes>(options: ClientOptions): QuestlogClient<E> {
  return new QuestlogClient<E>(options);
}
