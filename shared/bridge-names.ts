/**
 * The names the bridge and its callers share, in a module without zod: the CLI checks the
 * environment on every start, and an agent's `latchkey token` talks to the bridge, without
 * loading the bridge's schemas (bridge.ts re-exports these).
 */

/** Every request must carry this header: a web page cannot send it without a CORS preflight, which the bridge never answers (T10). */
export const BRIDGE_HEADER = 'latchkey-bridge';
export const BRIDGE_HEADER_VALUE = '1';

/** Environment variables `latchkey run` gives the child (never argv: T17). */
export const ENV_SESSION_SECRET = 'LATCHKEY_SESSION';
export const ENV_AGENT_SECRET = 'LATCHKEY_AGENT_SECRET';
export const ENV_BRIDGE_SOCKET = 'LATCHKEY_BRIDGE_SOCKET';
export const ENV_BRIDGE_URL = 'LATCHKEY_BRIDGE_URL';
