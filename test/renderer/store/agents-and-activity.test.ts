/** Adding agents and grants from the window, and the Activity table's agent names and folded session rows. */
import { describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { auditAgentLabel, selectHiddenSessionCount, selectShownAudit } from '../../../renderer/store/selectors.js';
import { createFakeWalletClient } from '../../fakes/fake-wallet-client.js';
import { AGENT_SECRET, fakeId, sampleAgent, sampleAuditEvent, sampleConnection } from '../../fakes/fake-wallet.js';

const AGENT = sampleAgent();

describe('wallet store: agents and grants from the window', () => {
  it('enrolAgent returns the agent and its secret to the caller and keeps no secret in the store', async () => {
    const client = createFakeWalletClient({ agents: [AGENT] });
    const store = createWalletStore(client);
    await store.getState().start();
    const enrolled = await store.getState().enrolAgent('nightly-report', 'autonomous');
    expect(enrolled?.agent.name).toBe('nightly-report');
    expect(enrolled?.secret).toBe(AGENT_SECRET);
    expect(client.callsTo('enrolAgent')).toEqual([{ name: 'nightly-report', kind: 'autonomous' }]);
    expect(store.getState().agents.map((a) => a.name)).toEqual(['ci-bot', 'nightly-report']);
    expect(JSON.stringify(store.getState())).not.toContain(AGENT_SECRET);
  });

  it('a refused enrolment (name taken) resolves undefined and shows a notice with its code', async () => {
    const store = createWalletStore(createFakeWalletClient({ agents: [AGENT] }));
    await store.getState().start();
    expect(await store.getState().enrolAgent('ci-bot', 'interactive')).toBeUndefined();
    expect(store.getState().notices.map((n) => [n.action, n.code])).toEqual([['Add agent', 'agent.exists']]);
  });

  it('createGrant grants the agent a server and re-reads the grants', async () => {
    const client = createFakeWalletClient({ agents: [AGENT], connections: [sampleConnection()] });
    const store = createWalletStore(client);
    await store.getState().start();
    const input = { agent: AGENT.id, resource: 'https://mcp.example.com/mcp', scopes: ['files:read'], mode: 'ask' as const };
    expect(await store.getState().createGrant(input)).toBe(true);
    expect(client.callsTo('createGrant')).toEqual([input]);
    expect(store.getState().grants.map((g) => [g.agentId, g.resource, g.mode, g.maxTokenLifetimeSeconds])).toEqual([[AGENT.id, input.resource, 'ask', undefined]]);
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
