/**
 * What the sidebar says about the agent bridge, from the owner's `status`: where agents reach it
 * while it listens, or that agents cannot get tokens and how to fix that.
 */
import type { VaultStatus } from './types.js';

export interface BridgeLine {
  tone: 'ok' | 'bad' | 'unknown';
  text: string;
  /** The socket's full path and the URL, for the tooltip. */
  detail?: string;
}

export const BRIDGE_NOT_RUNNING = 'Bridge: not running — agents cannot get tokens; start `latchkey daemon`';

/** undefined status: not known yet. A status without a bridge: this host serves none. */
export function describeBridge(status: VaultStatus | undefined): BridgeLine {
  if (status === undefined) return { tone: 'unknown', text: 'Bridge: checking…' };
  const bridge = status.bridge;
  if (bridge === undefined || !bridge.listening || (bridge.socket === undefined && bridge.url === undefined)) return { tone: 'bad', text: BRIDGE_NOT_RUNNING };
  const where = [...(bridge.socket === undefined ? [] : ['socket']), ...(bridge.url === undefined ? [] : [bridge.url.replace(/^http:\/\//u, '')])];
  const detail = [bridge.socket, bridge.url].filter((part): part is string => part !== undefined).join('  ');
  return { tone: 'ok', text: `Bridge: ${where.join(' + ')}`, detail };
}
