/**
 * The remote side of `latchkey mcp` across protocol eras (protocol.md, "MCP revisions"). The agent's first
 * message says its era: `initialize` (2025) or `server/discover` (2026-07-28). With `--protocol
 * auto` that message goes upstream first; when the server answers in the same era nothing here
 * ever changes a message again. When it refuses (HTTP 400/404/405, or a JSON-RPC error to
 * `server/discover`), the adapter tries the other era and bridges: era-modern.ts for a 2025 agent
 * and a 2026-07-28 server, era-legacy.ts for a 2026-07-28 agent and a 2025 server. A pinned
 * `--protocol` names the server's era and skips the refused probe. Auth refusals and network
 * failures stay what they are.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createLegacyBridge, type LegacyBridge } from './era-legacy.js';
import { createModernBridge, type ModernBridge } from './era-modern.js';
import {
  asMessage,
  envelopeOf,
  eraUnsupported,
  isEraRefusal,
  isObject,
  LEGACY_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  OwnRequests,
  paramsOf,
  recordOf,
  requestOf,
  type Json,
  type ProtocolChoice,
} from './era-wire.js';
import type { RemoteTransport } from './message-proxy.js';

export { MODERN_PROTOCOL_VERSION, PROTOCOL_CHOICES, resultForLegacyAgent, type ProtocolChoice } from './era-wire.js';
const DISCOVER_TIMEOUT_MS = 15_000;

/** The wire spoken upstream, once the agent's first message has been answered. */
export type Era = 'unknown' | 'legacy' | 'modern';

export interface EraAdapter extends RemoteTransport {
  readonly era: Era;
  /** True when the agent speaks the other era and the adapter bridges. */
  readonly bridged: boolean;
}

export interface EraAdapterOptions {
  debug?: (message: string) => void;
  /** How long the adapter's own `server/discover` or `initialize` may take (default 15 s). */
  discoverTimeoutMs?: number;
  /** The server's revision when pinned; `auto` (default) probes. */
  protocol?: ProtocolChoice;
  /** The server's origin, for messages. */
  origin?: string;
  /** URL elicitations are the wallet's (the elicitation interceptor sits above the adapter). */
  walletTakesUrl?: boolean;
  /** How long a question to the agent or a kept request state may wait (default 10 minutes). */
  inputTimeoutMs?: number;
}

/** Wraps the remote transport; the message proxy talks to the adapter as it would to the transport. */
export function createEraAdapter(inner: RemoteTransport, options: EraAdapterOptions = {}): EraAdapter {
  let era: Era = 'unknown';
  let bridge: ModernBridge | LegacyBridge | undefined;
  const protocol = options.protocol ?? 'auto';
  const origin = options.origin ?? 'the remote';
  const own = new OwnRequests(inner, options.discoverTimeoutMs ?? DISCOVER_TIMEOUT_MS);
  const deliver = (message: JSONRPCMessage): void => adapter.onmessage?.(message);
  const shared = { inner, own, deliver, origin, walletTakesUrl: options.walletTakesUrl ?? false };
  const modern = createModernBridge({ ...shared, ...(options.inputTimeoutMs === undefined ? {} : { agentAskTimeoutMs: options.inputTimeoutMs }) });
  const legacy = createLegacyBridge({ ...shared, ...(options.inputTimeoutMs === undefined ? {} : { stateTimeoutMs: options.inputTimeoutMs }) });

  const bridgeTo = (to: 'modern' | 'legacy'): void => {
    era = to;
    bridge = to === 'modern' ? modern : legacy;
    options.debug?.(
      to === 'modern'
        ? `the server speaks ${MODERN_PROTOCOL_VERSION}: bridging the agent's 2025 session`
        : `the server speaks 2025 (${LEGACY_PROTOCOL_VERSION} asked): bridging the agent's ${MODERN_PROTOCOL_VERSION} session`,
    );
  };

  /** A 2025 agent's `initialize`. */
  const initialize = async (record: Json, message: JSONRPCMessage, sendOptions: Parameters<RemoteTransport['send']>[1]): Promise<void> => {
    if (protocol === MODERN_PROTOCOL_VERSION) {
      const opened = await modern.open(record).catch((error: unknown) => {
        if (isEraRefusal(error)) return false;
        throw error;
      });
      if (!opened) throw eraUnsupported(origin, `does not answer server/discover as ${MODERN_PROTOCOL_VERSION} (pinned with --protocol)`);
      bridgeTo('modern');
      return;
    }
    try {
      await inner.send(message, sendOptions);
      era = 'legacy';
    } catch (refused) {
      // A 2026-only server refuses a 2025 initialize with HTTP 400 (-32022 or -32020).
      if (protocol !== 'auto' || !isEraRefusal(refused)) throw refused;
      const opened = await modern.open(record).catch((error: unknown) => {
        options.debug?.(`server/discover failed: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      });
      if (!opened) throw refused;
      bridgeTo('modern');
    }
  };

  const openLegacy = async (record: Json): Promise<void> => {
    const opened = await legacy.open(record).catch((error: unknown) => {
      if (isEraRefusal(error)) return false;
      throw error;
    });
    if (!opened) throw eraUnsupported(origin, `refuses both ${MODERN_PROTOCOL_VERSION} and a ${LEGACY_PROTOCOL_VERSION} initialize`);
    bridgeTo('legacy');
  };

  /** A 2026-07-28 agent's first request: `server/discover`, or any request with the envelope (an agent that skips discover). */
  const modernFirst = async (record: Json, message: JSONRPCMessage, sendOptions: Parameters<RemoteTransport['send']>[1]): Promise<void> => {
    const isDiscover = record['method'] === 'server/discover';
    if (protocol === MODERN_PROTOCOL_VERSION) {
      era = 'modern';
      await inner.send(message, sendOptions);
      return;
    }
    if (protocol === 'auto' && isDiscover) {
      let answer: Json | undefined;
      try {
        answer = await own.ask('server/discover', paramsOf(record));
      } catch (refused) {
        if (!isEraRefusal(refused)) throw refused;
      }
      if (isObject(answer?.['result'])) {
        // The server answers discover: same era, passed through (the agent reads supportedVersions).
        era = 'modern';
        deliver(asMessage({ ...answer, id: record['id'] }));
        return;
      }
    } else if (protocol === 'auto') {
      try {
        await inner.send(message, sendOptions);
        era = 'modern';
        return;
      } catch (refused) {
        if (!isEraRefusal(refused)) throw refused;
      }
    }
    await openLegacy(record);
    if (!isDiscover) await legacy.send(message, sendOptions);
  };

  const adapter: EraAdapter = {
    get era() {
      return era;
    },
    get bridged() {
      return bridge !== undefined;
    },
    get sessionId() {
      return inner.sessionId;
    },
    start: () => inner.start(),
    close: () => inner.close(),
    async send(message, sendOptions) {
      if (bridge !== undefined) return bridge.send(message, sendOptions);
      const record = recordOf(message);
      const request = requestOf(record);
      if (era !== 'unknown' || request === undefined) return inner.send(message, sendOptions);
      if (request.method === 'initialize') return initialize(record, message, sendOptions);
      if (request.method === 'server/discover' || envelopeOf(record) !== undefined) return modernFirst(record, message, sendOptions);
      return inner.send(message, sendOptions);
    },
    setProtocolVersion(version) {
      // Bridged, the adapter chose the headers (the envelope upstream, or its own initialize).
      if (bridge === undefined) inner.setProtocolVersion?.(version);
    },
    ...(inner.terminateSession === undefined ? {} : { terminateSession: () => inner.terminateSession?.() ?? Promise.resolve() }),
  };

  inner.onmessage = (message) => {
    if (own.take(recordOf(message))) return;
    if (bridge === undefined) deliver(message);
    else bridge.receive(message);
  };
  inner.onclose = () => adapter.onclose?.();
  inner.onerror = (error) => adapter.onerror?.(error);
  return adapter;
}
