// What the client puts on the wire: events serialized once, batches around them.

const encoder = new TextEncoder();

/** UTF-8 length of a string: what an event costs in the byte-capped queue. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

function refuseNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError("NaN and infinities cannot be sent: the server refuses them");
  }
  return value;
}

/**
 * One event as compact JSON (Dates become ISO 8601 in UTC). Throws for what JSON cannot
 * carry: NaN, infinities, BigInt, cycles.
 */
export function serializeEvent(event: object): string {
  return JSON.stringify(event, refuseNonFinite);
}

/** The body of POST /api/v1/events/batch around already serialized events. */
export function batchBody(events: readonly string[], sentAt: Date): string {
  return `{"events":[${events.join(",")}],"sent_at":"${sentAt.toISOString()}"}`;
}

/** A version 4 UUID, from the platform when it has one (secure contexts, Node >= 19). */
export function uuid4(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
