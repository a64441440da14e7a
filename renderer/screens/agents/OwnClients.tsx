/**
 * An agent's own clients (R5): at which server's authorization server, with which client id and
 * method, the generated key's thumbprint, and when it was set up. Never a secret or a private key.
 */
import type { AgentSummary } from '../../../shared/agents.js';
import { useWalletShallow } from '../../app/store-context.js';
import { formatTime } from '../../components/format.js';
import { Text } from '../../components/Text.js';
import { selectAgentClientsOf } from '../../store/selectors.js';
import { AddOwnClientButton } from './AddOwnClient.js';

const METHODS = {
  client_secret_basic: 'client secret',
  private_key_jwt: 'key (private_key_jwt)',
  workload_token: 'workload token (JWT bearer)',
} as const;

export function OwnClients({ agent }: { agent: AgentSummary }) {
  const clients = useWalletShallow(selectAgentClientsOf(agent.id));
  return (
    <>
      <div className="subheading-row">
        <h3 className="subheading">Own clients</h3>
        <AddOwnClientButton agent={agent} />
      </div>
      {clients.length === 0 ? (
        <p className="muted">No client of its own: it is handed narrowed tokens of your connections under its grants.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label={`Own clients of ${agent.name}`}>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Authorization server</th>
                <th scope="col">Client id</th>
                <th scope="col">Method</th>
                <th scope="col">Key thumbprint</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {clients.map((client) => (
                <tr key={client.resource}>
                  <td className="cell-url">
                    <Text value={client.resource} ltr />
                  </td>
                  <td className="cell-url">
                    <Text value={client.issuer} ltr />
                  </td>
                  <td>
                    <Text value={client.clientId} ltr />
                  </td>
                  <td>{METHODS[client.method]}</td>
                  <td>{client.keyThumbprint === undefined ? <span className="muted">—</span> : <Text value={client.keyThumbprint} ltr className="secret" />}</td>
                  <td>{formatTime(client.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
