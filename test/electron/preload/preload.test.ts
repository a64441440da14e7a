/**
 * The preload, bundled as it ships (one CommonJS file) and run in a fresh VM context with a fake
 * `electron` module: it exposes exactly `window.latchkey`, a WalletClient over the IPC channels.
 */
import { runInNewContext } from 'node:vm';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WalletClient, WalletEvent } from '../../../shared/api.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import { IPC_CHANNELS } from '../../../electron/main/policy.js';

const root = resolve(import.meta.dirname, '../../..');
type Listener = (event: unknown, ...args: unknown[]) => void;

let bundle: string;
beforeAll(async () => {
  const out = await build({
    entryPoints: [resolve(root, 'electron/preload/preload.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    write: false,
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
});

/** Loads the preload with a fake electron; `invoke` answers the IPC calls. */
function loadPreload(invoke: (channel: string, ...args: unknown[]) => Promise<unknown>) {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, Set<Listener>>();
  const required: string[] = [];
  const ipcRenderer = {
    invoke: vi.fn(invoke),
    on: (channel: string, listener: Listener) => void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(listener),
    removeListener: (channel: string, listener: Listener) => void listeners.get(channel)?.delete(listener),
  };
  const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) }, ipcRenderer };
  const module = { exports: {} };
  const require = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`the preload may not require ${name}`);
  };
  runInNewContext(bundle, { require, module, exports: module.exports });
  const emit = (channel: string, ...args: unknown[]): void => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'main' }, ...args);
  };
  return { exposed, required, ipcRenderer, listeners, emit, client: exposed.get('latchkey') as WalletClient };
}

describe('preload', () => {
  it('E10: exposes exactly one object, latchkey, with only the WalletClient methods; requires only electron', () => {
    const { exposed, required, client } = loadPreload(async () => ({ result: null }));
    expect([...exposed.keys()]).toEqual(['latchkey']);
    expect(Object.keys(client).sort()).toEqual(['call', 'connect', 'subscribe']);
    expect(required).toEqual(['electron']);
    expect(bundle).not.toMatch(/require\((?!"electron"\))/);
  });

  it('uses the same channel names as the main process', () => {
    for (const channel of Object.values(IPC_CHANNELS)) expect(bundle).toContain(`"${channel}"`);
  });

  it('call invokes latchkey:call and resolves with the result', async () => {
    const { client, ipcRenderer } = loadPreload(async () => ({ result: [{ id: 'ag_1' }] }));
    await expect(client.call('listAgents', {})).resolves.toEqual([{ id: 'ag_1' }]);
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(IPC_CHANNELS.call, 'listAgents', {});
  });

  it('a failure rejects with a plain {code, message, hint} object (the context bridge keeps it whole)', async () => {
    const { client } = loadPreload(async () => ({ error: { code: 'approval.not_found', message: 'No such approval.', hint: 'It may have expired.' } }));
    const failure: unknown = await client.call('decideApproval', { id: 'ap_1', decision: 'deny' }).catch((error: unknown) => error);
    // Built in the VM's realm: compare by value.
    expect(failure).toEqual({ code: 'approval.not_found', message: 'No such approval.', hint: 'It may have expired.' });
    expect(failure instanceof Error || Object.keys(failure as object).includes('stack')).toBe(false);
    const odd = loadPreload(async () => 'what');
    await expect(odd.client.call('status', {})).rejects.toEqual({ code: 'internal', message: expect.any(String) });
  });

  it('connect streams its own progress only and stops listening when done', async () => {
    let finish: (value: unknown) => void = () => undefined;
    const loaded = loadPreload((_channel) => new Promise((resolve) => (finish = resolve)));
    const progress: ConnectProgress[] = [];
    const connecting = loaded.client.connect({ url: 'https://mcp.example.com/mcp' }, (p) => progress.push(p));
    const [, id] = loaded.ipcRenderer.invoke.mock.calls[0]!;
    expect(loaded.ipcRenderer.invoke.mock.calls[0]).toEqual([IPC_CHANNELS.connect, id, { url: 'https://mcp.example.com/mcp' }]);
    loaded.emit(IPC_CHANNELS.connectProgress, id, { step: 'exchanging' });
    loaded.emit(IPC_CHANNELS.connectProgress, 'someone-else', { step: 'probing', resource: 'x' });
    finish({ result: { resource: 'https://mcp.example.com/mcp' } });
    await expect(connecting).resolves.toEqual({ resource: 'https://mcp.example.com/mcp' });
    expect(progress).toEqual([{ step: 'exchanging' }]);
    expect(loaded.listeners.get(IPC_CHANNELS.connectProgress)?.size ?? 0).toBe(0);
  });

  it('subscribe asks the main process once, fans events out, survives a throwing listener, unsubscribes', async () => {
    const loaded = loadPreload(async () => ({ result: null }));
    const seen: WalletEvent[] = [];
    const offThrowing = loaded.client.subscribe(() => {
      throw new Error('listener bug');
    });
    const off = loaded.client.subscribe((event) => seen.push(event));
    expect(loaded.ipcRenderer.invoke.mock.calls.filter(([channel]) => channel === IPC_CHANNELS.subscribe)).toHaveLength(1);
    const event: WalletEvent = { type: 'changed', what: 'grants' };
    loaded.emit(IPC_CHANNELS.event, event);
    off();
    offThrowing();
    loaded.emit(IPC_CHANNELS.event, event);
    expect(seen).toEqual([event]);
  });

  it('a refused subscription is asked for again by the next subscribe', async () => {
    const loaded = loadPreload(async () => ({ error: { code: 'bridge.forbidden_origin', message: 'no' } }));
    loaded.client.subscribe(() => undefined);
    expect(loaded.ipcRenderer.invoke).toHaveBeenCalledTimes(1);
    // Once the refusal has been seen, the next subscribe asks again (and only then).
    await vi.waitFor(() => {
      loaded.client.subscribe(() => undefined);
      expect(loaded.ipcRenderer.invoke).toHaveBeenCalledTimes(2);
    });
  });
});
