/**
 * Every owner change the contract marks (`changes` in shared/api.ts) is audited as the owner,
 * without secrets, and reaches subscribers as `changed` for each collection it names. The real
 * wallet in memory, called through the one validated call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerMethods, type ChangedCollection, type OwnerMethodName, type WalletEvent } from '../../../shared/api.js';
import type { AuditEvent } from '../../../shared/agents.js';
import { composeWallet, type ComposedWallet } from '../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../electron/wallet/host/owner-call.js';
import { RememberedAnswers } from '../../../electron/wallet/elicitation/remembered-answers.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { MemorySecretStore } from '../../fakes/memory-secret-store.js';
import { seedConnection } from '../../support/seed-connection.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const CLIENT_SECRET = 'client-secret-never-audited-0123456789';
const offline = (): Promise<Response> => Promise.reject(new TypeError('offline'));

type ChangeMethod = { [M in OwnerMethodName]: (typeof OwnerMethods)[M]['changes'] extends readonly [] ? never : M }[OwnerMethodName];

let home: string;
let composed: ComposedWallet;
let wallet: Wallet;
const events: WalletEvent[] = [];
const secrets: string[] = [CLIENT_SECRET];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'latchkey-owner-changes-'));
  composed = await composeWallet({ home, allowInsecureLoopback: false, vault: { mode: 'memory' } }, { secretStore: new MemorySecretStore(), env: {}, fetch: offline });
  wallet = validatedWallet(composed.wallet);
  wallet.subscribe((event) => events.push(event));
  await seedConnection(composed.vault, RESOURCE);
  await new RememberedAnswers(composed.vault).allowSite(RESOURCE, 'example.test');
});
afterAll(async () => {
  await composed?.wallet.close();
  await rm(home, { recursive: true, force: true });
});

/** One call per change method, in an order where each finds what it needs. */
const script: Array<[ChangeMethod, () => Promise<unknown>]> = [
  ['setClient', () => wallet.setClient({ issuer: 'https://as.example.test', clientId: 'pre-1', clientSecret: CLIENT_SECRET })],
  ['removeClient', () => wallet.removeClient({ issuer: 'https://as.example.test' })],
  ['enrolAgent', async () => secrets.push((await wallet.enrolAgent({ name: 'ci-bot' })).secret)],
  ['startSession', async () => secrets.push((await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 600 })).secret)],
  ['endSession', async () => wallet.endSession({ id: (await wallet.listSessions({ agent: 'ci-bot' }))[0]!.id })],
  ['createGrant', () => wallet.createGrant({ agent: 'ci-bot', resource: RESOURCE, scopes: ['mcp:read'] })],
  ['updateGrant', async () => wallet.updateGrant({ id: (await wallet.listGrants({ agent: 'ci-bot' }))[0]!.id, scopes: ['mcp:read', 'mcp:write'] })],
  ['revokeGrant', async () => wallet.revokeGrant({ id: (await wallet.listGrants({ agent: 'ci-bot' }))[0]!.id })],
  ['removeAllowedSite', () => wallet.removeAllowedSite({ server: RESOURCE, site: 'example.test' })],
  ['disconnect', () => wallet.disconnect({ url: RESOURCE })],
  ['removeAgent', () => wallet.removeAgent({ agent: 'ci-bot' })],
];

describe('owner changes are audited and live', () => {
  it('the script covers every method the contract marks as a change', () => {
    const marked = (Object.keys(OwnerMethods) as OwnerMethodName[]).filter((m) => OwnerMethods[m].changes.length > 0);
    expect(script.map(([method]) => method).sort()).toEqual(marked.sort());
  });

  it('each change writes an owner audit entry and a `changed` event for every collection it names', async () => {
    for (const [method, run] of script) {
      const before = (await wallet.queryAudit()).length;
      events.length = 0;
      await run();
      const written = (await wallet.queryAudit()).slice(before);
      expect(written.length, method).toBeGreaterThan(0);
      expect(written.every((entry: AuditEvent) => entry.actor === 'owner'), method).toBe(true);
      const changed = new Set(events.flatMap((event) => (event.type === 'changed' ? [event.what] : [])));
      for (const what of OwnerMethods[method].changes as readonly ChangedCollection[]) expect(changed.has(what), `${method} → ${what}`).toBe(true);
    }
  });

  it('grant edits are audited with the scopes after the edit', async () => {
    const edits = await wallet.queryAudit({ type: 'grant.updated' });
    expect(edits).toEqual([expect.objectContaining({ type: 'grant.updated', resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'], actor: 'owner' })]);
  });

  it('no audit entry carries a client secret, an agent secret or a session secret', async () => {
    const log = JSON.stringify(await wallet.queryAudit());
    expect(secrets.length).toBe(3);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});
