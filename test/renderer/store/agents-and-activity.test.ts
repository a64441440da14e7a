/** Adding agents and grants from the window, and the Activity table's agent names and folded session rows. */
import { describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { auditAgentLabel, selectHiddenSessionCount, selectShownAudit } from '../../../renderer/store/selectors.js';
import type { AuditEvent } from '../../../shared/agents.js';
import { useMemoryWallets, type MemoryWallet } from '../../support/memory-wallet.js';

/** The same entry as an older audit log holds it: no agent name recorded. */
function withoutName(entry: AuditEvent): AuditEvent {
  const copy = { ...entry };
  delete copy.agentName;
  return copy;
}

const openWallet = useMemoryWallets();

/** The real wallet in memory with ci-bot enrolled, and the window's client of it. */
async function withCiBot(): Promise<MemoryWallet> {
  const memory = await openWallet();
  await memory.wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' });
  return memory;
}

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
  it('an entry shows its recorded agent name; one without (an older log) the enrolled agent\'s name, else its id', async () => {
    const { wallet } = await withCiBot();
    await wallet.createGrant({ agent: 'ci-bot', resource: 'https://mcp.example.com/mcp', scopes: ['files:read'] });
    const gone = await wallet.enrolAgent({ name: 'gone-bot' });
    await wallet.createGrant({ agent: 'gone-bot', resource: 'https://mcp.example.com/mcp', scopes: ['files:read'] });
    await wallet.removeAgent({ agent: 'gone-bot' });
    await wallet.setClient({ issuer: 'https://as.example.com', clientId: 'app' });
    const agents = await wallet.listAgents();
    const entry = async (type: string, agentId?: string) => (await wallet.queryAudit()).find((e) => e.type === type && (agentId === undefined || e.agentId === agentId))!;
    const ciBot = agents[0]!.id;
    expect(auditAgentLabel(await entry('agent.enrolled', ciBot), agents)).toBe('ci-bot'); // recorded
    const granted = await entry('grant.created', ciBot);
    expect(granted.agentName).toBe('ci-bot');
    expect(auditAgentLabel(withoutName(granted), agents)).toBe('ci-bot');
    const revoked = await entry('grant.revoked', gone.agent.id);
    expect(auditAgentLabel(revoked, agents)).toBe('gone-bot'); // recorded before the agent went
    expect(auditAgentLabel(withoutName(revoked), agents)).toBe(gone.agent.id);
    expect(auditAgentLabel(await entry('client.set'), agents)).toBeUndefined();
  });

  it('session starts and ends are folded away until asked for', async () => {
    const { client, wallet } = await withCiBot();
    const started = await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 600 });
    await wallet.createGrant({ agent: 'ci-bot', resource: 'https://mcp.example.com/mcp', scopes: ['files:read'] });
    await wallet.endSession({ id: started.session.id });
    const all = (await wallet.queryAudit()).map((e) => [e.seq, e.type] as const);
    const sessionSeqs = all.filter(([, type]) => type.startsWith('session.')).map(([seq]) => seq);
    expect(sessionSeqs).toHaveLength(2);
    const store = createWalletStore(client);
    await store.getState().start();
    expect(selectShownAudit(store.getState()).map((e) => e.seq).sort()).toEqual(all.filter(([seq]) => !sessionSeqs.includes(seq)).map(([seq]) => seq).sort());
    expect(selectHiddenSessionCount(store.getState())).toBe(2);
    await store.getState().setAuditView({ showSessions: true });
    expect(selectShownAudit(store.getState()).map((e) => e.seq).sort()).toEqual(all.map(([seq]) => seq).sort());
    expect(selectHiddenSessionCount(store.getState())).toBe(0);
  });
});
