// Where the queue survives a reload or a crash: IndexedDB, else localStorage, else
// memory only. A store applies change sets; the client coalesces its changes into them.

import type { Entry } from "./queue.js";

export interface Meta {
  /** the next enqueue ordinal */
  nextN: number;
  /** the next client sequence number */
  nextSeq: number;
  /** the player opted out: nothing is queued or sent until optIn() */
  optedOut: boolean;
}

export interface Change {
  put: Entry[];
  remove: string[];
  meta: Meta;
}

/** A persistent queue. Implement it to keep events elsewhere (React Native, a file, ...). */
export interface QueueStore {
  /** What an earlier run left: its unacknowledged events and its counters. */
  load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }>;
  /** Apply one change set; resolve once it is durable. */
  write(change: Change): Promise<void>;
}

/** Keeps nothing across runs: the default where no browser storage exists. */
export class MemoryStore implements QueueStore {
  async load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }> {
    return { entries: [], meta: {} };
  }

  async write(): Promise<void> {}
}

interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The whole queue as one JSON value under one key; synchronous, so safe at page exit. */
export class LocalStorageStore implements QueueStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly key: string, private readonly storage: KeyValue = globalThis.localStorage) {}

  async load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }> {
    const text = this.storage.getItem(this.key);
    const saved = text ? (JSON.parse(text) as { entries?: Entry[]; meta?: Partial<Meta> }) : {};
    for (const entry of saved.entries ?? []) this.entries.set(entry.id, entry);
    return { entries: [...this.entries.values()], meta: saved.meta ?? {} };
  }

  async write(change: Change): Promise<void> {
    for (const id of change.remove) this.entries.delete(id);
    for (const entry of change.put) this.entries.set(entry.id, entry);
    this.storage.setItem(this.key, JSON.stringify({ meta: change.meta, entries: [...this.entries.values()] }));
  }
}

function done(request: IDBRequest | IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    if ("oncomplete" in request) {
      request.oncomplete = () => resolve();
      request.onabort = request.onerror = () => reject(request.error ?? new Error("IndexedDB aborted"));
    } else {
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    }
  });
}

/** One record per event in IndexedDB: a change costs what changed, not the whole queue. */
export class IndexedDbStore implements QueueStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly name: string, private readonly factory: IDBFactory = globalThis.indexedDB) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = this.factory.open(this.name, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("events", { keyPath: "id" });
        request.result.createObjectStore("meta");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked"));
    });
    return this.db;
  }

  async load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }> {
    const db = await this.open();
    const tx = db.transaction(["events", "meta"], "readonly");
    const events = tx.objectStore("events").getAll();
    const meta = tx.objectStore("meta").get("meta");
    await done(tx);
    return { entries: events.result as Entry[], meta: (meta.result as Partial<Meta> | undefined) ?? {} };
  }

  async write(change: Change): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(["events", "meta"], "readwrite");
    const events = tx.objectStore("events");
    for (const id of change.remove) events.delete(id);
    for (const entry of change.put) events.put(entry);
    tx.objectStore("meta").put(change.meta, "meta");
    await done(tx);
  }
}

function usableLocalStorage(): KeyValue | null {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return null;
    storage.setItem("questlog:probe", "1");
    storage.removeItem("questlog:probe");
    return storage;
  } catch {
    return null; // disabled, or a private mode that refuses writes
  }
}

/** IndexedDB where it opens, else localStorage, else memory. */
export class BrowserStore implements QueueStore {
  private store: QueueStore;

  constructor(private readonly key: string) {
    this.store = new MemoryStore();
  }

  async load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }> {
    if (typeof globalThis.indexedDB !== "undefined") {
      try {
        const store = new IndexedDbStore(`questlog:${this.key}`);
        const loaded = await store.load();
        this.store = store;
        return loaded;
      } catch {
        // fall through to localStorage
      }
    }
    const storage = usableLocalStorage();
    this.store = storage ? new LocalStorageStore(`questlog:${this.key}`, storage) : new MemoryStore();
    return this.store.load();
  }

  write(change: Change): Promise<void> {
    return this.store.write(change);
  }
}
