import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { inSample, sampleHash, sampleKey } from "../dist/index.js";

const vectors = JSON.parse(readFileSync(new URL("../../sampling-vectors.json", import.meta.url), "utf8"));

test("the sampling hash equals the Python client's blake2b-64 for every vector", () => {
  for (const c of vectors.cases) {
    assert.equal(sampleHash(sampleKey(c.who, c.type)).toString(16).padStart(16, "0"), c.hash, `${c.who} ${c.type}`);
  }
});

test("every sampling decision equals the Python client's, at every rate", () => {
  let decisions = 0;
  for (const c of vectors.cases) {
    for (const [rate, expected] of Object.entries(c.in_sample)) {
      assert.equal(inSample(sampleKey(c.who, c.type), Number(rate)), expected, `${c.who} ${c.type} @ ${rate}`);
      decisions++;
    }
  }
  assert.ok(decisions >= 600);
});

test("decisions right at a player's hash equal the Python client's", () => {
  for (const e of vectors.edges) assert.equal(inSample(e.key, e.rate), e.in_sample, `${e.key} @ ${e.rate}`);
});

test("a message longer than one BLAKE2b block hashes as in Python", () => {
  const long = vectors.cases.find((c) => c.who.length >= 129);
  assert.ok(long);
  assert.equal(sampleHash(sampleKey(long.who, long.type)).toString(16).padStart(16, "0"), long.hash);
});
