import assert from "node:assert/strict";
import { test } from "node:test";

import React from "react";
import TestRenderer, { act } from "react-test-renderer";

import { QuestlogClient } from "../dist/index.js";
import { useTelemetry } from "../dist/react.js";
import { fakeServer, options } from "./helpers.mjs";

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

test("useTelemetry tracks with the component's session and sends what waits on unmount", async () => {
  const server = fakeServer();
  const client = new QuestlogClient(options(server, { flushInterval: 3_600_000 }));
  let seen;
  function Player({ sessionId }) {
    const telemetry = useTelemetry(client, { session_id: sessionId });
    seen = telemetry;
    React.useEffect(() => {
      telemetry.track("QUESTION_VIEWED", { question_id: "q-1", payload: { position: 1 } });
    }, [telemetry.track]);
    return null;
  }
  let renderer;
  await act(async () => {
    renderer = TestRenderer.create(React.createElement(Player, { sessionId: "s-1" }));
  });
  const firstTrack = seen.track;
  await act(async () => renderer.update(React.createElement(Player, { sessionId: "s-1" })));
  assert.equal(seen.track, firstTrack, "track is stable while the defaults are");
  await act(async () => renderer.update(React.createElement(Player, { sessionId: "s-2" })));
  await act(async () => renderer.unmount());
  await client.flush();
  const events = server.batches.flatMap((b) => b.body.events);
  assert.deepEqual(events.map((e) => [e.type, e.session_id]), [["QUESTION_VIEWED", "s-1"], ["QUESTION_VIEWED", "s-2"]]);
});
