/**
 * Grants as code on a real wallet in memory: export names agents, grants and allowed sites and no
 * secret; apply carries out exactly the confirmed plan through the owner methods, each change an
 * owner entry in the audit log (T41).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { formatPolicy, type PolicyFile } from '../../../../shared/policy.js';
import { RememberedAnswers } from '../../../../electron/wallet/elicitation/remembered-answers.js';
import { openMemoryWallet, type MemoryWallet } from '../../../support/memory-wallet.js';

const SERVER = 'https://mcp.example.com/mcp';
const OTHER = 'https://tools.example.net/mcp';
const NOW = Date.parse('2030-01-01T00:00:00.000Z');

let memory: MemoryWallet;
let agentSecret: string;

beforeEach(async () => {
  memory = await openMemoryWallet({ now: NOW });
  agentSecret = (await memory.wallet.enrolAgent({ name: 'ci-bot' })).secret;
  await memory.wallet.enrolAgent({ name: 'reviewer' });
  await memory.wallet.createGrant({ agent: 'ci-bot', resource: SERVER, scopes: ['notes:write', 'notes:read'], maxTokenLifetimeSeconds: 900 });
  await memory.wallet.createGrant({ agent: 'reviewer', resource: OTHER, scopes: ['read'], mode: 'ask', expiresAt: NOW + 86_400_000 });
  await new RememberedAnswers(memory.composed.vault).allowSite(SERVER, 'pay.example');
});
afterEach(async () => {
  await memory.close();
});

describe('exportPolicy', () => {
  it('names agents, grants and allowed sites, sorted, with no secret', async () => {
    const exported = await memory.wallet.exportPolicy();
    expect(exported).toEqual({
      version: 1,
      agents: [
        { name: 'ci-bot', kind: 'interactive', grants: [{ server: SERVER, scopes: ['notes:read', 'notes:write'], ttl: '15m', mode: 'allow' }] },
        { name: 'reviewer', kind: 'interactive', grants: [{ server: OTHER, scopes: ['read'], expires: '2030-01-02T00:00:00.000Z', mode: 'ask' }] },
      ],
      allowedSites: [{ server: SERVER, site: 'pay.example' }],
    });
    const text = formatPolicy(exported);
    expect(text).not.toContain(agentSecret);
    expect(text).not.toMatch(/secret|token|hash|"id"/iu);
  });
});

describe('planPolicy and applyPolicy', () => {
  async function edited(): Promise<PolicyFile> {
    const file = await memory.wallet.exportPolicy();
    return {
      ...file,
      agents: [
        { ...file.agents[0]!, grants: [{ ...file.agents[0]!.grants[0]!, scopes: ['notes:read'] }] },
        { name: 'nightly', kind: 'autonomous', grants: [{ server: 'https://TOOLS.example.net/mcp', scopes: ['read'], mode: 'allow' }] },
      ],
      allowedSites: [{ server: SERVER, site: 'Docs.Example' }],
    };
  }

  it('plans, applies, and the wallet then exports the edited file; each change is an owner entry', async () => {
    const desired = await edited();
    const plan = await memory.wallet.planPolicy({ policy: desired });
    expect(plan.changes.map((change) => [change.kind, change.widens])).toEqual([
      ['grant.change', false],
      ['agent.add', false],
      ['grant.add', true],
      ['agent.remove', false],
      ['site.add', true],
      ['site.remove', false],
    ]);
    const before = (await memory.wallet.queryAudit()).length;
    expect(await memory.wallet.applyPolicy({ policy: desired, digest: plan.digest })).toEqual(plan);
    expect(formatPolicy(await memory.wallet.exportPolicy())).toBe(formatPolicy({
        ...desired,
        agents: [desired.agents[0]!, { ...desired.agents[1]!, grants: [{ ...desired.agents[1]!.grants[0]!, server: OTHER }] }],
        allowedSites: [{ server: SERVER, site: 'docs.example' }],
      }));
    const written = (await memory.wallet.queryAudit()).slice(before);
    expect(written.map((entry) => [entry.type, entry.actor])).toEqual([
      ['grant.updated', 'owner'],
      ['agent.enrolled', 'owner'],
      ['grant.created', 'owner'],
      ['grant.revoked', 'owner'],
      ['agent.removed', 'owner'],
      ['site.allowed', 'owner'],
      ['site.removed', 'owner'],
    ]);
    expect((await memory.wallet.planPolicy({ policy: desired })).changes).toEqual([]);
  });

  it('T40: delegation limits are exported, applied as an owner change, and the wallet enforces them', async () => {
    const file = await memory.wallet.exportPolicy();
    expect(file.agents[0]).not.toHaveProperty('delegation');
    const desired = { ...file, agents: [{ ...file.agents[0]!, delegation: { maxDepth: 1, maxChildren: 1, maxTtl: '10m' } }, file.agents[1]!] };
    const plan = await memory.wallet.planPolicy({ policy: desired });
    expect(plan.changes).toEqual([{ kind: 'agent.delegation', agent: 'ci-bot', to: { maxDepth: 1, maxChildren: 1, maxTtl: '10m' }, widens: false }]);
    await memory.wallet.applyPolicy({ policy: desired, digest: plan.digest });
    expect((await memory.wallet.exportPolicy()).agents[0]?.delegation).toEqual({ maxDepth: 1, maxChildren: 1, maxTtl: '10m' });
    expect((await memory.wallet.queryAudit()).at(-1)).toMatchObject({ type: 'agent.delegation_set', agentName: 'ci-bot', actor: 'owner', reason: 'depth:1/children:1/ttl:600s' });

    const { secret } = await memory.wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600, pid: process.pid });
    const { bridge } = memory.composed;
    const parent = bridge.authenticate(secret)!;
    const child = await bridge.delegate!(parent, { pid: process.pid });
    expect(child.session.expires_at).toBe(Math.floor((NOW + 600_000) / 1000));
    // One live child, one level, at most 10 minutes.
    await expect(bridge.delegate!(parent, { pid: process.pid })).rejects.toMatchObject({ code: ErrorCode.DelegationLimit });
    await expect(bridge.delegate!(bridge.authenticate(child.secret)!, { pid: process.pid })).rejects.toMatchObject({ code: ErrorCode.DelegationLimit });

    // Back to the defaults: a widening, and the file no longer names limits.
    const back = await memory.wallet.planPolicy({ policy: file });
    expect(back.changes).toEqual([{ kind: 'agent.delegation', agent: 'ci-bot', from: { maxDepth: 1, maxChildren: 1, maxTtl: '10m' }, widens: true }]);
    await memory.wallet.applyPolicy({ policy: file, digest: back.digest });
    expect((await memory.wallet.exportPolicy()).agents[0]).not.toHaveProperty('delegation');
  });

  it('T41: a digest other than the wallet\'s plan (the file or the wallet changed since the diff) applies nothing', async () => {
    const desired = await edited();
    const plan = await memory.wallet.planPolicy({ policy: desired });
    await memory.wallet.createGrant({ agent: 'ci-bot', resource: OTHER, scopes: ['read'] });
    const exported = formatPolicy(await memory.wallet.exportPolicy());
    await expect(memory.wallet.applyPolicy({ policy: desired, digest: plan.digest })).rejects.toMatchObject({ code: ErrorCode.PolicyStale });
    expect(formatPolicy(await memory.wallet.exportPolicy())).toBe(exported);
    await expect(memory.wallet.applyPolicy({ policy: desired, digest: '0'.repeat(64) })).rejects.toMatchObject({ code: ErrorCode.PolicyStale });
  });

  it('one server spelled two ways for the same agent is a duplicate, refused before anything changes', async () => {
    const grants = [SERVER, 'https://MCP.example.com:443/mcp'].map((server) => ({ server, scopes: ['a'], mode: 'allow' as const }));
    const policy = { version: 1 as const, agents: [{ name: 'ci-bot', kind: 'interactive' as const, grants }], allowedSites: [] };
    await expect(memory.wallet.planPolicy({ policy })).rejects.toMatchObject({ code: ErrorCode.PolicyInvalid, message: expect.stringContaining('agents[0].grants[1]') });
  });

  it('a server URL that is not allowed refuses the plan before anything changes', async () => {
    const file = await memory.wallet.exportPolicy();
    const bad = { ...file, agents: [{ name: 'x', kind: 'interactive' as const, grants: [{ server: 'http://mcp.example.com/mcp', scopes: [], mode: 'allow' as const }] }] };
    await expect(memory.wallet.planPolicy({ policy: bad })).rejects.toMatchObject({ code: ErrorCode.InsecureUrl });
  });
});
