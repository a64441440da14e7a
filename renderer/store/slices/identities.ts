/**
 * Agents' own clients at their servers' authorization servers (R5): listed, set up from the
 * window (one client, or an autonomous agent in one step), and their public keys read again.
 * The forms that ask show a refusal inline (the server's code, message and hint), so no notice here.
 */
import { outcomeOf } from '../errors.js';
import { singleFlight } from '../single-flight.js';
import type { IdentitiesSlice, SliceContext } from '../types.js';

export function createIdentitiesSlice({ client, set, get, track }: SliceContext): IdentitiesSlice {
  const loadAgentClients = singleFlight(() =>
    track('agentClients', async () => {
      const clients = await client.call('listAgentClients', {});
      set({ agentClients: [...clients].sort((a, b) => a.createdAt - b.createdAt) });
    }),
  );

  return {
    agentClients: [],
    loadAgentClients,
    setAgentClient: async (params) => {
      const outcome = await outcomeOf(() => client.call('setAgentClient', params));
      await loadAgentClients();
      return outcome;
    },
    addAutonomousAgent: async (params) => {
      const outcome = await outcomeOf(() => client.call('addAutonomousAgent', params));
      // A failed step is undone by the wallet; read everything again either way.
      await Promise.all([get().loadAgents(), get().loadGrants(), loadAgentClients()]);
      return outcome;
    },
    agentJwks: (agent, server) => outcomeOf(() => client.call('agentJwks', { agent, server })),
  };
}
