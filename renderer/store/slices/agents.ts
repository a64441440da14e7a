/** Agents, their grants and their active sessions, and the owner's changes to them. */
import type { GrantRevocation } from '../../../shared/agents.js';
import type { CreateGrantInput, UpdateGrantInput } from '../../../shared/api.js';
import { singleFlight } from '../single-flight.js';
import type { AgentsSlice, EnrolledAgent, SliceContext } from '../types.js';

export function createAgentsSlice({ client, set, report, track }: SliceContext): AgentsSlice {
  const loadAgents = singleFlight(() =>
    track('agents', async () => {
      const agents = await client.call('listAgents', {});
      set({ agents: [...agents].sort((a, b) => a.name.localeCompare(b.name)) });
    }),
  );
  const loadGrants = singleFlight(() =>
    track('grants', async () => {
      set({ grants: await client.call('listGrants', {}) });
    }),
  );
  const loadSessions = singleFlight(() =>
    track('sessions', async () => {
      set({ sessions: await client.call('listSessions', { active: true }) });
    }),
  );

  /** Runs a change, then re-reads what it touched (the wallet's events may say so too: reads coalesce). */
  const change = async (action: string, run: () => Promise<unknown>, reload: Array<() => Promise<void>>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      report(action, error);
      return false;
    } finally {
      await Promise.all(reload.map((load) => load()));
    }
  };

  return {
    agents: [],
    grants: [],
    sessions: [],
    loadAgents,
    loadGrants,
    loadSessions,
    enrolAgent: async (name, kind) => {
      let enrolled: EnrolledAgent | undefined;
      await change('Add agent', async () => (enrolled = await client.call('enrolAgent', { name, kind })), [loadAgents]);
      return enrolled;
    },
    createGrant: (input: CreateGrantInput) => change('Add grant', () => client.call('createGrant', input), [loadGrants]),
    updateGrant: (input: UpdateGrantInput) => change('Save grant', () => client.call('updateGrant', input), [loadGrants]),
    revokeGrant: async (id) => {
      let result: GrantRevocation | undefined;
      await change('Revoke grant', async () => (result = await client.call('revokeGrant', { id })), [loadGrants]);
      return result;
    },
    endSession: (id) => change('End session', () => client.call('endSession', { id, reason: 'revoked' }), [loadSessions]),
    removeAgent: (id) => change('Remove agent', () => client.call('removeAgent', { agent: id }), [loadAgents, loadGrants, loadSessions]),
  };
}
