/**
 * `latchkey run --env-file`: every `{{latchkey:URL}}` placeholder becomes a token the agent itself
 * asked for, the session secret authenticating it at the bridge. A token bound to the wallet's key
 * (DPoP, A8) is refused: on its own it works nowhere.
 */
import type { BridgeLocation } from '../agent/bridge-client/client.js';
import { createBridgeClient } from '../agent/bridge-client/client.js';
import { bearerTokenOf } from '../agent/bridge-client/bearer-only.js';
import { resolvePlaceholders, type EnvEntry } from '../agent/launch/index.js';
import type { CliIo } from './io.js';
import { announceWaiting } from './waiting-line.js';

export async function resolveEnvFile(entries: EnvEntry[], location: BridgeLocation, secret: string, io: CliIo): Promise<Record<string, string>> {
  if (entries.length === 0) return {};
  const bridge = createBridgeClient({ ...location, secret, onWaiting: announceWaiting(io.stderr, 'latchkey') });
  try {
    return await resolvePlaceholders(entries, async (reference) => bearerTokenOf(await bridge.token(reference), reference));
  } finally {
    bridge.close();
  }
}
