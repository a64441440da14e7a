/** Grants an agent a connected server from the window: scopes, token lifetime (as issued, or an enforced maximum) and mode. */
import { useState, type FormEvent } from 'react';
import type { AgentSummary, GrantMode } from '../../../shared/agents.js';
import { useWallet, useWalletShallow } from '../../app/store-context.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { reveal, Text } from '../../components/Text.js';
import { selectAgentClientsOf, selectConnections } from '../../store/selectors.js';
import { parseScopes } from '../../components/scopes.js';
import { checkLifetimeMinutes, ModeField, TokenLifetimeFields } from './grant-fields.js';


export function AddGrantButton({ agent }: { agent: AgentSummary }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button small" onClick={() => setOpen(true)}>
        Add grant
      </button>
      {open && <AddGrantDialog agent={agent} onClose={() => setOpen(false)} />}
    </>
  );
}

function AddGrantDialog({ agent, onClose }: { agent: AgentSummary; onClose: () => void }) {
  const connections = useWallet(selectConnections);
  const ownClients = useWalletShallow(selectAgentClientsOf(agent.id));
  const createGrant = useWallet((s) => s.createGrant);
  const first = connections[0];
  // Servers to grant: the owner's connections, and those the agent has a client of its own for (R5).
  const servers = [...new Set([...connections.map((c) => c.resource), ...ownClients.map((c) => c.resource)])];
  const [resource, setResource] = useState(servers[0] ?? '');
  const [scopes, setScopes] = useState(first?.scopes.join(' ') ?? '');
  const [asIssued, setAsIssued] = useState(true);
  const [minutes, setMinutes] = useState('15');
  const [mode, setMode] = useState<GrantMode>('allow');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const chooseServer = (next: string): void => {
    setResource(next);
    const connection = connections.find((c) => c.resource === next);
    if (connection !== undefined) setScopes(connection.scopes.join(' '));
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const parsed = parseScopes(scopes);
    if (resource === '') return setProblem('Connect a server first (Connections), then grant it.');
    if (typeof parsed === 'string') return setProblem(parsed);
    const lifetimeProblem = checkLifetimeMinutes(asIssued, minutes);
    if (lifetimeProblem !== undefined) return setProblem(lifetimeProblem);
    setProblem(undefined);
    setBusy(true);
    const saved = await createGrant({ agent: agent.id, resource, scopes: parsed, mode, ...(asIssued ? {} : { maxTokenLifetimeSeconds: Number(minutes) * 60 }) });
    setBusy(false);
    if (saved) onClose();
  };

  return (
    <Dialog title="Add grant" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <p>
          Agent: <Text value={agent.name} wrap />
        </p>
        {servers.length === 0 ? (
          <p className="warning">No connections yet: add the server in Connections first (or give the agent its own client), then grant it here.</p>
        ) : (
          <label className="field">
            <span>Server</span>
            <select value={resource} onChange={(e) => chooseServer(e.target.value)} autoFocus dir="ltr">
              {servers.map((server) => (
                <option key={server} value={server}>
                  {reveal(server.length > 120 ? `${server.slice(0, 120)}…` : server)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Scopes (separated by spaces)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} spellCheck={false} dir="ltr" />
        </label>
        <TokenLifetimeFields asIssued={asIssued} setAsIssued={setAsIssued} minutes={minutes} setMinutes={setMinutes} asIssuedLabel="As the server issues them" />
        <ModeField mode={mode} setMode={setMode} />
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Add grant" disabled={servers.length === 0} />
      </form>
    </Dialog>
  );
}
