/**
 * The owner socket's event stream, which the desktop app's window and tray follow when the
 * wallet runs in the host process: each wallet event arrives as it happens, only with the owner
 * token, and the client hears when the host goes away.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WalletEvent } from '../../../../shared/api.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { findOwnerEndpoint, type OwnerEndpoint } from '../../../../electron/wallet/host/owner-client.js';
import { subscribeOwnerEvents } from '../../../../electron/wallet/host/owner-event-client.js';
import { startOwnerServer, type OwnerServer } from '../../../../electron/wallet/host/owner-server.js';
import { openMemoryWallet, type MemoryWallet } from '../../../support/memory-wallet.js';

const RESOURCE = 'https://mcp.example.com/mcp';

let base: string;
let runtimeDir: string;
let memory: MemoryWallet;
let owner: OwnerServer;
let endpoint: OwnerEndpoint;

beforeAll(async () => {
  base = await mkdtemp('/tmp/lkevt-'); // short: Unix socket paths are limited to 108 bytes
  runtimeDir = join(base, 'run');
  await mkdir(runtimeDir, { mode: 0o700 });
  memory = await openMemoryWallet();
  await memory.connect(RESOURCE);
  owner = await startOwnerServer({ wallet: memory.composed.wallet, runtimeDir, logger: silentLogger });
  const found = await findOwnerEndpoint(runtimeDir);
  if (found === undefined) throw new Error('the owner server did not answer');
  endpoint = found;
});

afterAll(async () => {
  await owner?.close();
  await memory?.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** The events a subscriber heard, and a wait for the first of a type (woken by each arrival). */
function collector(): { push: (event: WalletEvent) => void; next: (type: WalletEvent['type']) => Promise<WalletEvent> } {
  const events: WalletEvent[] = [];
  const waiters = new Set<() => void>();
  return {
    push: (event) => {
      events.push(event);
      for (const waiter of [...waiters]) waiter();
    },
    next: (type) =>
      new Promise((resolve) => {
        const check = (): void => {
          const found = events.find((event) => event.type === type);
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('owner event stream', () => {
  it('delivers a raised approval and its decision, validated, to a subscriber', async () => {
    const events = collector();
    const subscription = subscribeOwnerEvents(endpoint, events.push);
    await subscription.ready;
    const { approval, answer } = await memory.ask('ci-bot', { resource: RESOURCE, scopes: ['mcp:read'] });
    answer.catch(() => undefined);
    const raised = await events.next('approval.raised');
    expect(raised).toMatchObject({ type: 'approval.raised', approval: { id: approval.id, agentName: 'ci-bot' } });
    await memory.wallet.decideApproval({ id: approval.id, decision: 'deny' });
    expect(await events.next('approval.decided')).toMatchObject({ approval: { id: approval.id } });
    subscription.close();
  });

  it('refuses a subscriber without the owner token', async () => {
    const subscription = subscribeOwnerEvents({ ...endpoint, token: 'not-the-token' }, () => undefined);
    await expect(subscription.ready).rejects.toThrow(/HTTP 401/);
    subscription.close();
  });

  it('tells the subscriber when the host closes the stream', async () => {
    const ended = new Promise<void>((resolve) => {
      const subscription = subscribeOwnerEvents(endpoint, () => undefined, resolve);
      subscription.ready.then(() => owner.close(), () => undefined);
    });
    await ended;
  });
});
