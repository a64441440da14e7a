/**
 * Grants as code and agents' own clients from the window's store, against the real wallet in
 * memory: export → edit → plan → apply by digest, a stale plan refused, and a refused own client
 * handed back to the form (with its code) rather than raised as a notice; a failed one-step
 * autonomous agent leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { createWalletStore } from '../../../renderer/store/index.js';
import { parsePolicyText } from '../../../shared/policy.js';
import { useMemoryWallets } from '../../support/memory-wallet.js';

const SERVER = 'https://mcp.example.com/mcp';
const openWallet = useMemoryWallets();

/** The real wallet in memory: ci-bot with a read grant, and a started store of it. */
async function withReadGrant() {
  const memory = await openWallet();
  await memory.wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' });
  await memory.wallet.createGrant({ agent: 'ci-bot', resource: SERVER, scopes: ['files:read'] });
  const store = createWalletStore(memory.client);
  await store.getState().start();
  return { ...memory, store };
}

/** The exported file with the one grant's scopes replaced. */
function withScopes(text: string, scopes: string[]): string {
  const file = parsePolicyText(text);
  const [agent] = file.agents;
  return JSON.stringify({ ...file, agents: [{ ...agent, grants: agent!.grants.map((grant) => ({ ...grant, scopes })) }] });
}

describe('wallet store: grants as code', () => {
  it('exports the file, plans an edited one (a widening) and applies it by its digest; the grants are read again', async () => {
    const { store, wallet } = await withReadGrant();
    const exported = await store.getState().exportPolicyText();
    if (!exported.ok) throw new Error(exported.error.message);
    expect(exported.value).toContain('"files:read"');

    const planned = await store.getState().planPolicyText(withScopes(exported.value, ['files:read', 'files:write']));
    if (!planned.ok) throw new Error(planned.error.message);
    expect(planned.value.plan.changes.map((change) => [change.kind, change.widens])).toEqual([['grant.change', true]]);

    const applied = await store.getState().applyPolicy(planned.value);
    expect(applied.ok).toBe(true);
    expect((await wallet.listGrants({}))[0]?.scopes).toEqual(['files:read', 'files:write']);
    expect(store.getState().grants[0]?.scopes).toEqual(['files:read', 'files:write']);
    expect(store.getState().notices).toEqual([]);
  });

  it('a plan the wallet no longer matches is refused with policy.stale and nothing is applied', async () => {
    const { store, wallet } = await withReadGrant();
    const exported = await store.getState().exportPolicyText();
    if (!exported.ok) throw new Error(exported.error.message);
    const planned = await store.getState().planPolicyText(withScopes(exported.value, ['files:read', 'files:write']));
    if (!planned.ok) throw new Error(planned.error.message);
    const [grant] = await wallet.listGrants({});
    await wallet.updateGrant({ id: grant!.id, scopes: ['files:read', 'files:list'] });

    const applied = await store.getState().applyPolicy(planned.value);
    expect(applied).toMatchObject({ ok: false, error: { code: 'policy.stale' } });
    expect((await wallet.listGrants({}))[0]?.scopes).toEqual(['files:read', 'files:list']);
  });

  it('a file that is not a policy file is refused before the wallet is asked, with the path of what is wrong', async () => {
    const { store } = await withReadGrant();
    expect(await store.getState().planPolicyText('{ "version": 1, "agents": [{ "name": "x", "secret": "s" }] }')).toMatchObject({
      ok: false,
      error: { code: 'policy.invalid', message: expect.stringContaining('agents[0]') },
    });
    expect(await store.getState().planPolicyText('not json')).toMatchObject({ ok: false, error: { code: 'policy.invalid' } });
  });
});

describe('wallet store: agents own clients', () => {
  it('a refused own client comes back to the form with its code and hint, and raises no notice', async () => {
    const { store } = await withReadGrant();
    const outcome = await store.getState().setAgentClient({ agent: 'nightly-report', server: SERVER, clientId: 'ci-bot', clientSecret: 'not-shown-back' });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'agent.not_found', hint: expect.any(String) } });
    if (outcome.ok) return;
    expect(outcome.error.message).not.toMatch(/\n\s+at /u);
    expect(store.getState().notices).toEqual([]);
    expect(JSON.stringify(store.getState())).not.toContain('not-shown-back');
    expect(store.getState().agentClients).toEqual([]);
  });

  it('a one-step autonomous agent that fails leaves no agent, keeps no secret in the store and raises no notice', async () => {
    const { store, wallet } = await withReadGrant();
    const outcome = await store.getState().addAutonomousAgent({ name: 'stray-bot', server: SERVER, clientId: 'stray', clientSecret: 'not-kept-either' });
    expect(outcome.ok).toBe(false);
    expect((await wallet.listAgents()).map((agent) => agent.name)).toEqual(['ci-bot']);
    expect(store.getState().agents.map((agent) => agent.name)).toEqual(['ci-bot']);
    expect(store.getState().notices).toEqual([]);
    expect(JSON.stringify(store.getState())).not.toContain('not-kept-either');
  });
});
