// The queue's changes on their way to storage: coalesced per tick, written in order.

import type { Entry } from "./queue.js";
import type { Meta, QueueStore } from "./storage.js";

export class Changes {
  private put = new Map<string, Entry>();
  private remove = new Set<string>();
  private scheduled = false;
  /** Settles once everything handed over so far is written (or has failed). */
  written: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: QueueStore,
    private readonly meta: () => Meta,
    private readonly fail: (error: unknown) => void,
  ) {}

  added(entry: Entry): void {
    this.put.set(entry.id, entry);
  }

  /** An entry left the queue; one never written needs no removal. */
  forget(id: string): void {
    if (!this.put.delete(id)) this.remove.add(id);
  }

  /** Write what changed at the end of this tick, or at once when `now` (page exit). */
  save(now = false): void {
    if (now) {
      this.scheduled = false;
      this.write();
    } else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        if (this.scheduled) {
          this.scheduled = false;
          this.write();
        }
      });
    }
  }

  private write(): void {
    const change = { put: [...this.put.values()], remove: [...this.remove], meta: { ...this.meta() } };
    this.put = new Map();
    this.remove = new Set();
    this.written = this.written.then(() => this.store.write(change)).catch(this.fail);
  }
}
