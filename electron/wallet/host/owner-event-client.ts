/**
 * The client of the owner socket's event stream (owner-events.ts): each JSON line validated as a
 * WalletEvent before it reaches the listener; lines that do not validate are dropped.
 */
import { nodeHttp } from '../../base/net/node-http.js';
import { WalletEvent } from '../../../shared/api.js';
import type { OwnerEndpoint } from './owner-client.js';
import { OWNER_EVENTS_PATH } from './owner-events.js';
import { OWNER_HEADER } from './owner-server.js';

const MAX_LINE_BYTES = 1024 * 1024;

export interface OwnerEventSubscription {
  /** Settles once the host has answered (the stream is open), or fails when it refused. */
  readonly ready: Promise<void>;
  /** Ends the subscription. */
  close(): void;
}

/** Client side: calls `listener` for each event; `onEnd` when the host closes the stream (it stopped). */
export function subscribeOwnerEvents(endpoint: OwnerEndpoint, listener: (event: WalletEvent) => void, onEnd: () => void = () => undefined): OwnerEventSubscription {
  let closed = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const req = nodeHttp.request(
    {
      socketPath: endpoint.socketPath,
      path: OWNER_EVENTS_PATH,
      method: 'POST',
      headers: { host: 'localhost', 'content-type': 'application/json', 'content-length': 2, authorization: `Bearer ${endpoint.token}`, [OWNER_HEADER]: '1' },
    },
    (res) => {
      if (res.statusCode !== 200) {
        settle?.reject(new Error(`the host refused the event stream (HTTP ${res.statusCode ?? 0})`));
        res.resume();
        return;
      }
      settle?.resolve();
      res.setEncoding('utf8');
      let pending = '';
      res.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const parsed = WalletEvent.safeParse(safeJson(pending.slice(0, newline)));
          pending = pending.slice(newline + 1);
          if (parsed.success) listener(parsed.data);
          newline = pending.indexOf('\n');
        }
        if (pending.length > MAX_LINE_BYTES) res.destroy();
      });
      res.on('close', () => {
        if (!closed) onEnd();
      });
    },
  );
  req.on('error', (error) => {
    settle?.reject(error);
    if (!closed) onEnd();
  });
  req.end('{}');
  return {
    ready,
    close: () => {
      closed = true;
      req.destroy();
    },
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
