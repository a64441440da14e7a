/** Adding agents and grants from the window, and the Activity table's agent names and folded session rows. */
import { afterEach, describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { auditAgentLabel, selectHiddenSessionCount, selectShownAudit } from '../../../renderer/store/selectors.js';
import { createFakeWalletClient } from '../../fakes/fake-wallet-client.js';
import { fakeId, sampleAgent, sampleAuditEvent } from '../../fakes/fake-wallet.js';
import { openMemoryWallet, type MemoryWallet } from '../../support/memory-wallet.js';

const AGENT = sampleAgent();
const opened: MemoryWallet[] = [];

/** The real wallet in memory with ci-bot enrolled, and the window's client of it. */
async function withCiBot(): Promise<MemoryWallet> {
  const memory = await openMemoryWallet();
  opened.push(memory);
  await memory.wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' });
  return memory;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((memory) => memory.close()));
});

describe('wallet store: agents and grants from the window', () => {
  it('enrolAgent returns the agent and its secret to the caller and keeps no secret in the store', async () => {
    const { client, wallet } = await withCiBot();
    const store = createWalletStore(client);
    await store.getState().start();
    const enrolled = await store.getState().enrolAgent('nightly-report', 'autonomous');
    expect(enrolled?.agent.name).toBe('nightly-report');
    expect(enrolled?.secret).toMatch(/^lk_agent_/u);
    expect((await wallet.listAgents()).find((a) => a.name === 'nightly-report')?.kind).toBe('autonomous');
    expect(store.getState().agents.map((a) => a.name)).toEqual(['ci-bot', 'nightly-report']);
    expect(JSON.stringify(store.getState())).not.toContain(enrolled?.secret);
  });

  it('a refused enrolment (name taken) resolves undefined and shows a notice with its code', async () => {
    const store = createWalletStore((await withCiBot()).client);
    await store.getState().start();
    expect(await store.getState().enrolAgent('ci-bot', 'interactive')).toBeUndefined();
    expect(store.getState().notices.map((n) => [n.action, n.code])).toEqual([['Add agent', 'agent.exists']]);
  });

  it('createGrant grants the agent a server and re-reads the grants', async () => {
    const { client, wallet } = await withCiBot();
    const [agent] = await wallet.listAgents();
    const store = createWalletStore(client);
    await store.getState().start();
    const input = { agent: agent!.id, resource: 'https://mcp.example.com/mcp', scopes: ['files:read'], mode: 'ask' as const };
    expect(await store.getState().createGrant(input)).toBe(true);
    expect(store.getState().grants.map((g) => [g.agentId, g.resource, g.mode, g.maxTokenLifetimeSeconds])).toEqual([[agent!.id, input.resource, 'ask', undefined]]);
  });
});

describe('Activity: agent names and session rows', () => {
  it('an entry without a recorded name shows the enrolled agent\'s name, else its id', () => {
    const agents = [AGENT];
    expect(auditAgentLabel(sampleAuditEvent({ agentName: 'recorded' }), agents)).toBe('recorded');
    const { agentName: _name, ...unnamed } = sampleAuditEvent();
    expect(auditAgentLabel(unnamed, agents)).toBe('ci-bot');
    expect(auditAgentLabel({ ...unnamed, agentId: fakeId('agt', 9) }, agents)).toBe(fakeId('agt', 9));
    const { agentId: _id, ...ownerEntry } = unnamed;
    expect(auditAgentLabel(ownerEntry, agents)).toBeUndefined();
  });

  it('session starts and ends are folded away until asked for', async () => {
    const audit = [
      sampleAuditEvent({ seq: 1, type: 'session.started' }),
      sampleAuditEvent({ seq: 2 }),
      sampleAuditEvent({ seq: 3, type: 'session.ended' }),
    ];
    const store = createWalletStore(createFakeWalletClient({ audit }));
    await store.getState().start();
    expect(selectShownAudit(store.getState()).map((e) => e.seq)).toEqual([2]);
    expect(selectHiddenSessionCount(store.getState())).toBe(2);
    await store.getState().setAuditView({ showSessions: true });
    expect(selectShownAudit(store.getState()).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(selectHiddenSessionCount(store.getState())).toBe(0);
  });
});
