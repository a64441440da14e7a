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
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const CLIENT_SECRET = 'client-secret-never-audited-0123456789';
const offline = (): Promise<Response> => Promise.reject(new TypeError('offline'));
/** R5: an agent's own client is set up from its server's metadata; only that server and its AS answer. */
const AGENT_SERVER = 'https://agents.example.test/mcp';
const AGENT_AS = 'https://as.agents.example.test';
const agentServerMetadata: Record<string, unknown> = {
  'https://agents.example.test/.well-known/oauth-protected-resource/mcp': { resource: AGENT_SERVER, authorization_servers: [AGENT_AS] },
  [`${AGENT_AS}/.well-known/oauth-authorization-server`]: { issuer: AGENT_AS, authorization_endpoint: `${AGENT_AS}/authorize`, token_endpoint: `${AGENT_AS}/token` },
  // R7: the organisation's identity provider, discovered when the owner names it.
  'https://idp.example.test/.well-known/oauth-authorization-server': { issuer: 'https://idp.example.test', authorization_endpoint: 'https://idp.example.test/authorize', token_endpoint: 'https://idp.example.test/token' },
};
const metadataOnly = (input: string | URL): Promise<Response> => {
  const document = agentServerMetadata[String(input)];
  return document === undefined ? offline() : Promise.resolve(Response.json(document));
};

type ChangeMethod = { [M in OwnerMethodName]: (typeof OwnerMethods)[M]['changes'] extends readonly [] ? never : M }[OwnerMethodName];

let home: string;
let composed: ComposedWallet;
let wallet: Wallet;
const events: WalletEvent[] = [];
const secrets: string[] = [CLIENT_SECRET];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'latchkey-owner-changes-'));
  composed = await composeWallet({ home, allowInsecureLoopback: false, vault: { mode: 'memory' } }, { secretStore: new MemorySecretStore(), env: {}, fetch: metadataOnly });
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
  ['setEnterprise', () => wallet.setEnterprise({ issuer: 'https://idp.example.test', clientId: 'latchkey-idp', clientSecret: CLIENT_SECRET })],
  ['forgetEnterprise', () => wallet.forgetEnterprise()],
  ['enrolAgent', async () => secrets.push((await wallet.enrolAgent({ name: 'ci-bot' })).secret)],
  ['setAgentClient', () => wallet.setAgentClient({ agent: 'ci-bot', server: AGENT_SERVER, clientId: 'ci-bot-client', clientSecret: CLIENT_SECRET })],
  // A key the administrator has yet to register is not tried: no token request, so this wallet's offline AS is enough.
  ['addAutonomousAgent', async () => secrets.push((await wallet.addAutonomousAgent({ name: 'auto-bot', server: AGENT_SERVER, clientId: 'auto-bot-client', generateKey: 'ES256', scopes: ['mcp:read'] })).secret)],
  ['setDelegationLimits', () => wallet.setDelegationLimits({ agent: 'ci-bot', limits: { maxDepth: 1, maxChildren: 2 } })],
  ['startSession', async () => secrets.push((await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 600 })).secret)],
  ['endSession', async () => wallet.endSession({ id: (await wallet.listSessions({ agent: 'ci-bot' }))[0]!.id })],
  ['createGrant', () => wallet.createGrant({ agent: 'ci-bot', resource: RESOURCE, scopes: ['mcp:read'] })],
  ['updateGrant', async () => wallet.updateGrant({ id: (await wallet.listGrants({ agent: 'ci-bot' }))[0]!.id, scopes: ['mcp:read', 'mcp:write'] })],
  ['revokeGrant', async () => wallet.revokeGrant({ id: (await wallet.listGrants({ agent: 'ci-bot' }))[0]!.id })],
  ['removeAllowedSite', () => wallet.removeAllowedSite({ server: RESOURCE, site: 'example.test' })],
  ['applyPolicy', async () => {
    const current = await wallet.exportPolicy();
    const added = { name: 'policy-bot', kind: 'interactive' as const, grants: [{ server: RESOURCE, scopes: ['mcp:read'], mode: 'allow' as const }] };
    const policy = { ...current, agents: [...current.agents, added], allowedSites: [{ server: RESOURCE, site: 'example.test' }] };
    return wallet.applyPolicy({ policy, digest: (await wallet.planPolicy({ policy })).digest });
  }],
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

  it('every owner entry about an agent names the agent, not only its id (the audit reads the same in the CLI and the window)', async () => {
    const aboutAgents = (await wallet.queryAudit()).filter((entry: AuditEvent) => entry.actor === 'owner' && entry.agentId !== undefined);
    expect(aboutAgents.length).toBeGreaterThan(3);
    for (const entry of aboutAgents) expect(entry.agentName, entry.type).toEqual(expect.any(String));
  });

  it('no audit entry carries a client secret, an agent secret or a session secret', async () => {
    const log = JSON.stringify(await wallet.queryAudit());
    expect(secrets.length).toBe(4);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});

describe('revoking a grant and removing an agent are owner changes (what stays valid at the server, until when)', () => {
  const NOW = 1_700_000_000_000;
  const opened: ComposedWallet[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.wallet.close()));
  });

  /** A wallet whose AS hands out tokens for an hour and refuses to revoke them, as a JWT-issuing AS does. */
  async function walletWithHandedOutToken() {
    const endpoint = new FakeTokenEndpoint();
    endpoint.expiresIn = 3600;
    const refusingRevocation = (input: string | URL, init?: RequestInit): Promise<Response> =>
      new URL(String(input)).pathname === '/revoke'
        ? Promise.resolve(Response.json({ error: 'unsupported_token_type' }, { status: 400 }))
        : endpoint.fetch(input, init);
    const c = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } }, { fetch: refusingRevocation, clock: { now: () => NOW } });
    opened.push(c);
    await seedConnection(c.vault, RESOURCE);
    const owner = validatedWallet(c.wallet);
    const { secret } = await owner.enrolAgent({ name: 'ci-bot' });
    const grant = await owner.createGrant({ agent: 'ci-bot', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await c.broker.token(c.broker.authenticate(secret)!, { resource: RESOURCE }, new AbortController().signal);
    const live: WalletEvent[] = [];
    owner.subscribe((event) => live.push(event));
    return { owner, grant, token, live, validUntil: NOW + 3600_000 };
  }

  const changedIn = (live: WalletEvent[]): ChangedCollection[] => live.flatMap((event) => (event.type === 'changed' ? [event.what] : []));

  it('T38: revokeGrant writes one owner entry saying until when the unrevoked token stays valid, answers the same, and is live', async () => {
    const { owner, grant, token, live, validUntil } = await walletWithHandedOutToken();
    const answer = await owner.revokeGrant({ id: grant.id });
    expect(answer).toEqual({ grantId: grant.id, revokedTokens: 0, unrevokedTokens: 1, validUntil, revocationError: 'unsupported_token_type' });
    const entries = await owner.queryAudit({ type: 'grant.revoked' });
    expect(entries).toEqual([
      expect.objectContaining({ actor: 'owner', outcome: 'ok', agentId: grant.agentId, resource: RESOURCE, scopes: ['mcp:read'], reason: 'revocation:unsupported_token_type', tokenExpiresAt: validUntil }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(token.access_token);
    expect(live).toContainEqual({ type: 'audit.appended', event: entries[0] });
    expect(changedIn(live)).toContain('grants');
  });

  it('T38: removeAgent writes grant.revoked for each grant (same facts), then agent.removed, as the owner, and is live', async () => {
    const { owner, grant, live, validUntil } = await walletWithHandedOutToken();
    await owner.removeAgent({ agent: 'ci-bot' });
    const written = (await owner.queryAudit()).filter((entry) => entry.type === 'grant.revoked' || entry.type === 'agent.removed');
    expect(written).toEqual([
      expect.objectContaining({ type: 'grant.revoked', actor: 'owner', agentId: grant.agentId, agentName: 'ci-bot', resource: RESOURCE, reason: 'revocation:unsupported_token_type', tokenExpiresAt: validUntil }),
      expect.objectContaining({ type: 'agent.removed', actor: 'owner', agentId: grant.agentId, agentName: 'ci-bot' }),
    ]);
    expect(new Set(changedIn(live))).toEqual(new Set(['grants', 'agents', 'sessions']));
  });
});
