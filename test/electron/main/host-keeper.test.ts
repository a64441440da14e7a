/**
 * The desktop app kept on a wallet host: when its host goes away it finds or starts one again and
 * the window's wallet (calls and subscribers) carries on against the new one; a host that keeps
 * going away, or one that cannot be opened again, is given up on; stopping stops only the current.
 */
import { describe, expect, it } from 'vitest';
import { ownerApiOf, type WalletEvent } from '../../../shared/api.js';
import { createLogger } from '../../../electron/base/log/logger.js';
import { keepHost, type HostKeeperOptions, type OpenedHost } from '../../../electron/main/host-keeper.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';

interface FakeHost extends OpenedHost {
  name: string;
  emit(event: WalletEvent): void;
  gone(): void;
  closed: boolean;
  stopped: boolean;
}

/** Hosts handed out in turn by `open`; each answers `status` with its name. */
function fakeHosts(): { open: HostKeeperOptions['open']; opened: FakeHost[]; failNext: (error: Error) => void } {
  const opened: FakeHost[] = [];
  let failure: Error | undefined;
  const open: HostKeeperOptions['open'] = async (onGone) => {
    if (failure !== undefined) throw failure;
    const name = `host-${opened.length + 1}`;
    const listeners = new Set<(event: WalletEvent) => void>();
    const owner = ownerApiOf(async (method) => ({ method, name }));
    const wallet = {
      ...owner,
      vaultStatus: { mode: 'memory' },
      connect: async () => ({ name }),
      subscribe: (listener: (event: WalletEvent) => void) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      close: async () => undefined,
    } as unknown as Wallet;
    const host: FakeHost = {
      name,
      wallet,
      startedHere: true,
      closed: false,
      stopped: false,
      emit: (event) => listeners.forEach((listener) => listener(event)),
      gone: onGone,
      close: () => void (host.closed = true),
      stop: async () => void (host.stopped = true),
    };
    opened.push(host);
    return host;
  };
  return { open, opened, failNext: (error) => (failure = error) };
}

const logger = createLogger({ level: 'error' });
const event = { type: 'approval.raised', approval: { id: 'apr_1' } } as unknown as WalletEvent;

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('keeping the app on a wallet host', () => {
  it('a host that goes away is replaced; calls and subscribers move to the new one', async () => {
    const hosts = fakeHosts();
    const reopened: string[] = [];
    const gaveUp: unknown[] = [];
    const kept = await keepHost({ open: hosts.open, logger, clock: { now: () => 0 }, onReopened: (host) => reopened.push((host as FakeHost).name), onGiveUp: (error) => gaveUp.push(error) });
    const seen: WalletEvent[] = [];
    kept.wallet.subscribe((received) => seen.push(received));
    expect(await kept.wallet.status({})).toEqual({ method: 'status', name: 'host-1' });

    hosts.opened[0]!.gone();
    await settle();
    expect(reopened).toEqual(['host-2']);
    expect(hosts.opened[0]!.closed).toBe(true);
    expect(await kept.wallet.status({})).toEqual({ method: 'status', name: 'host-2' });
    hosts.opened[0]!.emit(event); // the old host's stream is no longer followed
    hosts.opened[1]!.emit(event);
    expect(seen).toEqual([event]);
    expect(gaveUp).toEqual([]);

    await kept.stop();
    expect(hosts.opened[1]!.stopped).toBe(true);
    hosts.opened[1]!.gone(); // the stop itself ends the stream: nothing is opened again
    await settle();
    expect(hosts.opened).toHaveLength(2);
  });

  it('a call made while the host is being found again waits for the new one instead of failing on the old', async () => {
    const hosts = fakeHosts();
    let release: () => void = () => undefined;
    const slowOpen: HostKeeperOptions['open'] = async (onGone) => {
      if (hosts.opened.length > 0) await new Promise<void>((resolve) => (release = resolve));
      return hosts.open(onGone);
    };
    const kept = await keepHost({ open: slowOpen, logger, clock: { now: () => 0 }, onReopened: () => undefined, onGiveUp: () => undefined });
    hosts.opened[0]!.gone();
    const during = kept.wallet.status({});
    const connecting = kept.wallet.connect({ url: 'https://mcp.example.com/mcp' });
    await settle();
    release();
    expect(await during).toEqual({ method: 'status', name: 'host-2' });
    expect(await connecting).toEqual({ name: 'host-2' });
    expect(await kept.wallet.status({})).toEqual({ method: 'status', name: 'host-2' });
  });

  it('gives up when the host keeps going away within the window, but not when restarts are far apart', async () => {
    const hosts = fakeHosts();
    let now = 0;
    const gaveUp: unknown[] = [];
    await keepHost({ open: hosts.open, logger, clock: { now: () => now }, onReopened: () => undefined, onGiveUp: (error) => gaveUp.push(error), maxRestarts: 2, windowMs: 1000 });
    for (const at of [0, 2000, 4000, 6000]) {
      now = at;
      hosts.opened.at(-1)!.gone();
      await settle();
    }
    expect(gaveUp).toEqual([]);
    expect(hosts.opened).toHaveLength(5);
    for (const at of [6100, 6200]) {
      now = at;
      hosts.opened.at(-1)!.gone();
      await settle();
    }
    expect(gaveUp).toHaveLength(1);
    expect(hosts.opened).toHaveLength(6);
  });

  it('gives up with the error when no host can be opened again', async () => {
    const hosts = fakeHosts();
    const gaveUp: unknown[] = [];
    await keepHost({ open: hosts.open, logger, clock: { now: () => 0 }, onReopened: () => undefined, onGiveUp: (error) => gaveUp.push(error) });
    const failure = new Error('the wallet host did not start');
    hosts.failNext(failure);
    hosts.opened[0]!.gone();
    await settle();
    expect(gaveUp).toEqual([failure]);
  });
});
