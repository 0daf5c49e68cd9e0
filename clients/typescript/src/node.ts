// A queue on disk for Node services: events survive a crash or a restart of the process.
// `import { FileStore } from "@questlog/client/node"`; kept apart so browsers never load node:fs.

import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import type { Entry } from "./queue.js";
import type { Change, Meta, QueueStore } from "./storage.js";

/**
 * An append-only log of changes (one JSON line each), compacted at load and whenever it
 * grows past four times what it holds. A torn last line (a crash mid-write) is ignored.
 */
export class FileStore implements QueueStore {
  private readonly entries = new Map<string, Entry>();
  private meta: Partial<Meta> = {};
  private logBytes = 0;
  private liveBytes = 0;

  constructor(private readonly path: string) {}

  async load(): Promise<{ entries: Entry[]; meta: Partial<Meta> }> {
    let text = "";
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT") throw error;
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        this.apply(JSON.parse(line) as Change);
      } catch {
        // a line cut short by a crash
      }
    }
    await mkdir(dirname(this.path), { recursive: true });
    await this.compact();
    return { entries: [...this.entries.values()], meta: { ...this.meta } };
  }

  async write(change: Change): Promise<void> {
    this.apply(change);
    const line = JSON.stringify(change) + "\n";
    this.logBytes += Buffer.byteLength(line);
    if (this.logBytes > 4 * this.liveBytes + 64 * 1024) await this.compact();
    else await appendFile(this.path, line);
  }

  private apply(change: Change): void {
    for (const id of change.remove ?? []) {
      const gone = this.entries.get(id);
      if (gone) this.liveBytes -= gone.bytes;
      this.entries.delete(id);
    }
    for (const entry of change.put ?? []) {
      this.liveBytes += entry.bytes - (this.entries.get(entry.id)?.bytes ?? 0);
      this.entries.set(entry.id, entry);
    }
    if (change.meta) this.meta = change.meta;
  }

  private async compact(): Promise<void> {
    const line = JSON.stringify({ put: [...this.entries.values()], remove: [], meta: this.meta }) + "\n";
    const temporary = `${this.path}.tmp`;
    await writeFile(temporary, line);
    await rename(temporary, this.path);
    this.logBytes = Buffer.byteLength(line);
  }
}
