/** Edits a grant's scopes, token lifetime (as issued, or an enforced maximum), mode and expiry, in a dialog. */
import { useState, type FormEvent } from 'react';
import type { Grant } from '../../../shared/agents.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../../shared/agents.js';
import type { UpdateGrantInput } from '../../../shared/api.js';
import { useWallet } from '../../app/store-context.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { parseScopes } from '../../components/scopes.js';
import { Text } from '../../components/Text.js';
import { selectAgentName } from '../../store/selectors.js';
import { checkLifetimeMinutes, ModeField, TokenLifetimeFields } from './grant-fields.js';
import { describeTokenLifetime } from './token-lifetime.js';

const HOUR = 3_600_000;
const EXPIRY_CHOICES: ReadonlyArray<{ value: string; label: string; ms?: number }> = [
  { value: 'keep', label: 'Keep as it is' },
  { value: 'never', label: 'Never' },
  { value: '1h', label: 'In 1 hour', ms: HOUR },
  { value: '1d', label: 'In 1 day', ms: 24 * HOUR },
  { value: '7d', label: 'In 7 days', ms: 7 * 24 * HOUR },
  { value: '30d', label: 'In 30 days', ms: 30 * 24 * HOUR },
];

export function GrantEditor({ grant, onClose }: { grant: Grant; onClose: () => void }) {
  const updateGrant = useWallet((s) => s.updateGrant);
  const agentName = useWallet(selectAgentName(grant.agentId));
  const serverLifetime = useWallet((s) => s.connections.find((c) => c.resource === grant.resource)?.tokenLifetimeSeconds);
  const [scopes, setScopes] = useState(grant.scopes.join(' '));
  const [asIssued, setAsIssued] = useState(grant.maxTokenLifetimeSeconds === undefined);
  const [minutes, setMinutes] = useState(String(Math.round((grant.maxTokenLifetimeSeconds ?? Math.min(serverLifetime ?? 900, MAX_TOKEN_LIFETIME_SECONDS)) / 60)));
  const [mode, setMode] = useState<Grant['mode']>(grant.mode);
  const [expiry, setExpiry] = useState('keep');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const parsed = parseScopes(scopes);
    if (typeof parsed === 'string') return setProblem(parsed);
    const lifetimeProblem = checkLifetimeMinutes(asIssued, minutes);
    if (lifetimeProblem !== undefined) return setProblem(lifetimeProblem);
    const choice = EXPIRY_CHOICES.find((c) => c.value === expiry);
    const input: UpdateGrantInput = {
      id: grant.id,
      scopes: parsed,
      maxTokenLifetimeSeconds: asIssued ? null : Number(minutes) * 60,
      mode,
      ...(expiry === 'never' ? { expiresAt: null } : {}),
      ...(choice?.ms === undefined ? {} : { expiresAt: Date.now() + choice.ms }),
    };
    setBusy(true);
    const saved = await updateGrant(input);
    setBusy(false);
    if (saved) onClose();
  };

  return (
    <Dialog title="Edit grant" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <p>
          Agent: <Text value={agentName ?? grant.agentId} wrap />
          <br />
          Server: <Text value={grant.resource} ltr wrap />
        </p>
        <label className="field">
          <span>Scopes (separated by spaces)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} autoFocus spellCheck={false} dir="ltr" />
        </label>
        <TokenLifetimeFields asIssued={asIssued} setAsIssued={setAsIssued} minutes={minutes} setMinutes={setMinutes} asIssuedLabel={describeTokenLifetime({}, serverLifetime).text} />
        {!asIssued && lifetimeWarning(Number(minutes), serverLifetime)}
        <ModeField mode={mode} setMode={setMode} />
        <label className="field">
          <span>Grant expires</span>
          <select value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Save grant" />
      </form>
    </Dialog>
  );
}

/** Warns while editing when the server's tokens outlive the maximum typed: the agent would be refused. */
function lifetimeWarning(minutes: number, serverLifetimeSeconds: number | undefined) {
  if (!Number.isInteger(minutes) || minutes < 1) return undefined;
  const { warning } = describeTokenLifetime({ maxTokenLifetimeSeconds: minutes * 60 }, serverLifetimeSeconds);
  return warning === undefined ? undefined : <p className="warning">{warning}</p>;
}
