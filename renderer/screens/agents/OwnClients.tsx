/**
 * An agent's own clients (R5): at which server's authorization server, with which client id and
 * method, the generated key's thumbprint, and when it was set up. Never a secret or a private key.
 */
import { useState } from 'react';
import type { AgentSummary } from '../../../shared/agents.js';
import { useWallet, useWalletShallow } from '../../app/store-context.js';
import { formatStamp, formatTime } from '../../components/format.js';
import { InlineError } from '../../components/InlineError.js';
import { Text } from '../../components/Text.js';
import type { AgentClientSummary, AgentPublicKeys, UiError } from '../../store/index.js';
import { selectAgentClientsOf } from '../../store/selectors.js';
import { AddOwnClientButton } from './AddOwnClient.js';
import { PublicKeyDialog } from './PublicKeyDialog.js';

/** How the client proves itself, in a word or two (the method's name in the tooltip). */
const METHODS = {
  client_secret_basic: 'secret',
  private_key_jwt: 'key',
  workload_token: 'workload token',
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
          <table className="table own-clients" aria-label={`Own clients of ${agent.name}`}>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Authorization server</th>
                <th scope="col">Client id</th>
                <th scope="col">Method</th>
                <th scope="col">Key thumbprint</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
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
                  <td title={client.method}>{METHODS[client.method]}</td>
                  <td>{client.keyThumbprint === undefined ? <span className="muted">—</span> : <Text value={client.keyThumbprint} ltr className="secret" />}</td>
                  <td title={formatTime(client.createdAt)}>{formatStamp(client.createdAt)}</td>
                  <td className="row-actions">{client.method === 'private_key_jwt' && <ShowPublicKey agent={agent} client={client} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The client's public key set again, for an administrator who needs it later. */
function ShowPublicKey({ agent, client }: { agent: AgentSummary; client: AgentClientSummary }) {
  const agentJwks = useWallet((s) => s.agentJwks);
  const [keys, setKeys] = useState<AgentPublicKeys | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);
  const show = async (): Promise<void> => {
    const outcome = await agentJwks(agent.id, client.resource);
    setRefused(outcome.ok ? undefined : outcome.error);
    setKeys(outcome.ok ? outcome.value : undefined);
  };
  return (
    <>
      <button type="button" className="button small" onClick={() => void show()}>
        Public key
      </button>
      {refused !== undefined && <InlineError error={refused} />}
      {keys !== undefined && (
        <PublicKeyDialog title="Public key of this client" keys={keys.keys} onClose={() => setKeys(undefined)}>
          <p>
            The key <Text value={agent.name} /> signs with for client <Text value={client.clientId} ltr /> at <Text value={client.issuer} ltr />, as the
            administrator registers it. The private key never leaves the vault.
          </p>
        </PublicKeyDialog>
      )}
    </>
  );
}
