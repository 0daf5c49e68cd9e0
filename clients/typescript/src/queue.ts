// The queue of events not yet acknowledged: capped in bytes, dropping the lowest
// priority first. Pure bookkeeping; the client persists what changes.

/** One queued event as it is kept (in memory and in storage). */
export interface Entry {
  /** the event_id */
  id: string;
  /** the event type, for its priority */
  type: string;
  /** the serialized event, sent as is */
  raw: string;
  /** UTF-8 bytes of raw */
  bytes: number;
  /** rising order of enqueueing, across restarts */
  n: number;
}

export type Priorities = Readonly<Record<string, number>>;

export class ByteQueue {
  private readonly entries: Entry[] = []; // oldest first
  private readonly ids = new Set<string>();
  private readonly perType = new Map<string, number>(); // entries per type: is eviction possible?
  private readonly inFlight = new Set<string>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.total;
  }

  /** Entries not taken by a batch in flight. */
  get waiting(): number {
    return this.entries.length - this.inFlight.size;
  }

  snapshotIds(): string[] {
    return this.entries.map((e) => e.id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * Add `entry`, evicting waiting entries of lower priority (the newest of the lowest
   * first) until it fits. Returns the evicted entries, or null when `entry` itself does
   * not fit: it is then not added (nothing of higher or equal priority is evicted for it).
   */
  add(entry: Entry, priorities: Priorities): Entry[] | null {
    if (entry.bytes > this.maxBytes) return null;
    const priority = priorities[entry.type] ?? 0;
    const evicted: Entry[] = [];
    let needed = this.total + entry.bytes - this.maxBytes;
    if (needed > 0) {
      if (![...this.perType].some(([type, n]) => n > 0 && (priorities[type] ?? 0) < priority)) return null;
      const candidates = this.entries
        .filter((e) => !this.inFlight.has(e.id) && (priorities[e.type] ?? 0) < priority)
        .sort((a, b) => (priorities[a.type] ?? 0) - (priorities[b.type] ?? 0) || b.n - a.n);
      for (const victim of candidates) {
        if (needed <= 0) break;
        evicted.push(victim);
        needed -= victim.bytes;
      }
      if (needed > 0) return null;
      this.remove(evicted.map((e) => e.id));
    }
    this.entries.push(entry);
    this.ids.add(entry.id);
    this.perType.set(entry.type, (this.perType.get(entry.type) ?? 0) + 1);
    this.total += entry.bytes;
    return evicted;
  }

  /** Entries loaded from storage: kept in their order, before anything added since. */
  restore(loaded: Entry[], priorities: Priorities): Entry[] {
    const fresh = this.entries.splice(0);
    this.ids.clear();
    this.perType.clear();
    this.total = 0;
    const refused: Entry[] = [];
    const known = new Set(fresh.map((e) => e.id));
    for (const entry of [...loaded.filter((e) => !known.has(e.id)).sort((a, b) => a.n - b.n), ...fresh]) {
      const evicted = this.add(entry, priorities);
      if (evicted === null) refused.push(entry);
      else refused.push(...evicted);
    }
    return refused;
  }

  /** Take up to `count` waiting entries, oldest first, up to `maxBytes` of raw events. */
  take(count: number, maxBytes = Infinity): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    for (const entry of this.entries) {
      if (batch.length >= count) break;
      if (this.inFlight.has(entry.id)) continue;
      if (batch.length && bytes + entry.bytes > maxBytes) break;
      batch.push(entry);
      bytes += entry.bytes;
      this.inFlight.add(entry.id);
    }
    return batch;
  }

  /** Give entries of a batch back to the waiting ones, e.g. after a failed delivery. */
  release(ids: readonly string[]): void {
    for (const id of ids) this.inFlight.delete(id);
  }

  remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (gone.has(entry.id)) {
        this.entries.splice(i, 1);
        this.ids.delete(entry.id);
        this.perType.set(entry.type, (this.perType.get(entry.type) ?? 1) - 1);
        this.total -= entry.bytes;
        this.inFlight.delete(entry.id);
      }
    }
  }

  clear(): Entry[] {
    const all = this.entries.splice(0);
    this.ids.clear();
    this.perType.clear();
    this.inFlight.clear();
    this.total = 0;
    return all;
  }
}
