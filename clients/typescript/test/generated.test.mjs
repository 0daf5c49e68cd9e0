import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { OUTPUT, render } from "../scripts/generate-types.mjs";
import { EVENT_TYPES } from "../dist/index.js";

test("src/events.generated.ts equals a fresh generation from contracts/schemas/", () => {
  assert.ok(
    readFileSync(OUTPUT, "utf8") === render(),
    "the event types are stale: run `npm run generate` in clients/typescript and commit the result",
  );
});

test("every schema's type and version is in the generated types", () => {
  const source = readFileSync(OUTPUT, "utf8");
  assert.equal(EVENT_TYPES.length, 62);
  for (const name of ["BILL_VOTE_v1", "POLL_INTERVAL_v1", "POLL_INTERVAL_v2", "session_start_v1", "AttemptSubmitted_v1"]) {
    assert.match(source, new RegExp(`export interface ${name} \\{`));
  }
});
