/** Agents' own clients at their servers' authorization servers (R5): listed, and set up from the window. */
import { toUiError } from '../errors.js';
import { singleFlight } from '../single-flight.js';
import type { AgentClientAdded, IdentitiesSlice, Outcome, SliceContext } from '../types.js';

export function createIdentitiesSlice({ client, set, track }: SliceContext): IdentitiesSlice {
  const loadAgentClients = singleFlight(() =>
    track('agentClients', async () => {
      const clients = await client.call('listAgentClients', {});
      set({ agentClients: [...clients].sort((a, b) => a.createdAt - b.createdAt) });
    }),
  );

  return {
    agentClients: [],
    loadAgentClients,
    // The form that asked shows a refusal inline (the server's code, message and hint), so no notice here.
    setAgentClient: async (params): Promise<Outcome<AgentClientAdded>> => {
      try {
        return { ok: true, value: await client.call('setAgentClient', params) };
      } catch (error) {
        return { ok: false, error: toUiError(error) };
      } finally {
        await loadAgentClients();
      }
    },
  };
}
