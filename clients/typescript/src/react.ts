// useTelemetry: a React hook over a QuestlogClient. Its own entry point
// ("@questlog/client/react"), so games without React never load React.

import { useCallback, useEffect, useRef, useState } from "react";

import { type ClientOptions, type Envelope, type Fields, QuestlogClient } from "./client.js";
import type { EventTypes } from "./events.generated.js";

export interface Telemetry<E extends object> {
  track<T extends keyof E & string>(type: T, fields: Fields<E, T>): boolean;
  flush(options?: { timeout?: number }): Promise<boolean>;
  client: QuestlogClient<E>;
}

/**
 * `const { track, flush } = useTelemetry(client, { session_id })`: `track` fills the given
 * envelope fields (a session, say) and stays the same function while they do. Pass
 * options instead of a client to have the hook create one (once) for this component.
 */
export function useTelemetry<E extends object = EventTypes>(
  source: QuestlogClient<E> | ClientOptions,
  defaults: Envelope = {},
): Telemetry<E> {
  const [client] = useState(() => (source instanceof QuestlogClient ? source : new QuestlogClient<E>(source)));
  // On unmount what waits is sent; the client itself stays usable (StrictMode mounts twice).
  useEffect(() => () => void client.flush(), [client]);
  const fields = useRef(defaults);
  fields.current = defaults;
  const key = JSON.stringify(defaults);
  const track = useCallback(
    <T extends keyof E & string>(type: T, event: Fields<E, T>): boolean =>
      client.track(type, { ...fields.current, ...event } as Fields<E, T>),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [client, key],
  );
  const flush = useCallback((options?: { timeout?: number }) => client.flush(options), [client]);
  return { track, flush, client };
}
