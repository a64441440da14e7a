/** Grants an agent a connected server from the window: scopes, token lifetime (as issued, or an enforced maximum) and mode. */
import { useState, type FormEvent } from 'react';
import type { AgentSummary, GrantMode } from '../../../shared/agents.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { Dialog } from '../../components/Dialog.js';
import { reveal, Text } from '../../components/Text.js';
import { selectConnections } from '../../store/selectors.js';
import { parseScopes } from './GrantEditor.js';

const MAX_MINUTES = MAX_TOKEN_LIFETIME_SECONDS / 60;

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
  const createGrant = useWallet((s) => s.createGrant);
  const first = connections[0];
  const [resource, setResource] = useState(first?.resource ?? '');
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
    const lifetime = Number(minutes);
    if (resource === '') return setProblem('Connect a server first (Connections), then grant it.');
    if (typeof parsed === 'string') return setProblem(parsed);
    if (!asIssued && (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_MINUTES)) return setProblem(`Token lifetime is a whole number of minutes, 1 to ${MAX_MINUTES}.`);
    setProblem(undefined);
    setBusy(true);
    const saved = await createGrant({ agent: agent.id, resource, scopes: parsed, mode, ...(asIssued ? {} : { maxTokenLifetimeSeconds: lifetime * 60 }) });
    setBusy(false);
    if (saved) onClose();
  };

  return (
    <Dialog title="Add grant" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <p>
          Agent: <Text value={agent.name} wrap />
        </p>
        {connections.length === 0 ? (
          <p className="warning">No connections yet: add the server in Connections first, then grant it here.</p>
        ) : (
          <label className="field">
            <span>Server</span>
            <select value={resource} onChange={(e) => chooseServer(e.target.value)} autoFocus dir="ltr">
              {connections.map((c) => (
                <option key={c.resource} value={c.resource}>
                  {reveal(c.resource.length > 120 ? `${c.resource.slice(0, 120)}…` : c.resource)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Scopes (separated by spaces)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} spellCheck={false} dir="ltr" />
        </label>
        <label className="field">
          <span>Token lifetime</span>
          <select value={asIssued ? 'issued' : 'max'} onChange={(e) => setAsIssued(e.target.value === 'issued')}>
            <option value="issued">As the server issues them</option>
            <option value="max">At most… (enforced: longer-lived tokens are refused)</option>
          </select>
        </label>
        {!asIssued && (
          <label className="field">
            <span>Longest token lifetime (minutes)</span>
            <input type="number" min={1} max={MAX_MINUTES} step={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </label>
        )}
        <label className="field">
          <span>Mode</span>
          <select value={mode} onChange={(e) => setMode(e.target.value === 'ask' ? 'ask' : 'allow')}>
            <option value="allow">Allow without asking</option>
            <option value="ask">Ask each time</option>
          </select>
        </label>
        {problem !== undefined && (
          <p className="load-error" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy || connections.length === 0}>
            Add grant
          </button>
        </div>
      </form>
    </Dialog>
  );
}
