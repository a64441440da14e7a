import { describe, expect, it } from 'vitest';
import { BRIDGE_NOT_RUNNING, describeBridge } from '../../../renderer/store/bridge-status.js';
import { createWalletStore } from '../../../renderer/store/index.js';
import { selectStatus } from '../../../renderer/store/selectors.js';
import { useMemoryWallets, type MemoryWalletOptions } from '../../support/memory-wallet.js';

const VAULT = { mode: 'keychain' as const, backend: 'Secret Service (keytar)', path: '/home/owner/.latchkey/vault.json' };
const SOCKET = '/run/user/1000/latchkey/bridge.sock';
const openWallet = useMemoryWallets();

/** The window's client of the real wallet in memory, whose host reports this bridge (or none). */
async function clientOf(options: MemoryWalletOptions = {}) {
  const memory = await openWallet(options);
  return memory.client;
}

describe('the sidebar bridge status', () => {
  it('loadStatus keeps the bridge the host reports, and the line names the socket and the 127.0.0.1 port', async () => {
    const bridge = { listening: true, socket: SOCKET, url: 'http://127.0.0.1:41234' };
    const store = createWalletStore(await clientOf({ bridgeStatus: () => bridge }));
    await store.getState().loadStatus();
    expect(selectStatus(store.getState())?.bridge).toEqual(bridge);
    expect(describeBridge(selectStatus(store.getState()))).toEqual({ tone: 'ok', text: 'Bridge: socket + 127.0.0.1:41234', detail: `${SOCKET}  http://127.0.0.1:41234` });
  });

  it('a bridge on one transport names only that one', () => {
    expect(describeBridge({ ...VAULT, bridge: { listening: true, url: 'http://127.0.0.1:5000' } }).text).toBe('Bridge: 127.0.0.1:5000');
    expect(describeBridge({ ...VAULT, bridge: { listening: true, socket: SOCKET } }).text).toBe('Bridge: socket');
  });

  it('no bridge, or one that stopped listening: agents cannot get tokens, start latchkey daemon', async () => {
    const store = createWalletStore(await clientOf());
    await store.getState().loadStatus();
    expect(describeBridge(selectStatus(store.getState()))).toEqual({ tone: 'bad', text: BRIDGE_NOT_RUNNING });
    expect(describeBridge({ ...VAULT, bridge: { listening: false, socket: SOCKET } }).tone).toBe('bad');
    expect(BRIDGE_NOT_RUNNING).toBe('Bridge: not running — agents cannot get tokens; start `latchkey daemon`');
  });

  it('before the first answer it says it is checking', () => {
    expect(describeBridge(undefined)).toEqual({ tone: 'unknown', text: 'Bridge: checking…' });
  });
});
