/**
 * The wallet handles URL-mode elicitation for the agent (protocol.md E3), so `latchkey
 * mcp` declares `elicitation.url` to the remote server while the agent's own form-mode declaration
 * stays exactly as the agent made it:
 *   no elicitation          → { url: {} }
 *   elicitation: {}         → { form: {}, url: {} }   (an empty object means form mode in 2025-11-25)
 *   { form: {...} }         → { form: {...}, url: {} }
 * 2025-11-25 declares capabilities once, in `initialize`; 2026-07-28 sends them in
 * `_meta["io.modelcontextprotocol/clientCapabilities"]` on every request.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The capabilities object with `elicitation.url` declared and form mode as the agent declared it. */
export function withUrlElicitation(capabilities: unknown): Json {
  const base = isObject(capabilities) ? capabilities : {};
  const elicitation = base['elicitation'];
  if (!isObject(elicitation)) return { ...base, elicitation: { url: {} } };
  const declaresNothing = Object.keys(elicitation).length === 0;
  return { ...base, elicitation: { ...(declaresNothing ? { form: {} } : elicitation), url: {} } };
}

/**
 * The agent's request with the URL capability added: in `params.capabilities` of `initialize`,
 * and in the 2026-07-28 capabilities `_meta` of any request that carries it. Anything else is
 * returned as it is (the same object).
 */
export function declareUrlElicitation(message: JSONRPCMessage): JSONRPCMessage {
  const record = message as Json;
  if (typeof record['method'] !== 'string' || !('id' in record)) return message;
  const params = isObject(record['params']) ? record['params'] : undefined;
  if (params === undefined) return message;
  let changed: Json | undefined;
  if (record['method'] === 'initialize') changed = { ...params, capabilities: withUrlElicitation(params['capabilities']) };
  const meta = params['_meta'];
  if (isObject(meta) && isObject(meta[CLIENT_CAPABILITIES_META])) {
    changed = { ...(changed ?? params), _meta: { ...meta, [CLIENT_CAPABILITIES_META]: withUrlElicitation(meta[CLIENT_CAPABILITIES_META]) } };
  }
  return changed === undefined ? message : ({ ...record, params: changed } as JSONRPCMessage);
}
