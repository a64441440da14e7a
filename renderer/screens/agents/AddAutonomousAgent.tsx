/**
 * An autonomous agent in one step, as `latchkey agent add NAME --autonomous --server URL` does:
 * the agent, its own client at the server's authorization server (a client id with a secret or a
 * generated key, or a client the wallet registers) and its grant for the server. When a step
 * fails the wallet undoes the others, and the refusal stays in the dialog with its code and hint.
 * Then the agent's secret is shown once, and a generated key's public JWK set to copy.
 */
import { useState, type FormEvent } from 'react';
import { useWallet } from '../../app/store-context.js';
import { copyText } from '../../components/copy-text.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { InlineError } from '../../components/InlineError.js';
import { parseScopes } from '../../components/scopes.js';
import { Text } from '../../components/Text.js';
import type { AutonomousAgentAdded, UiError } from '../../store/index.js';
import { checkCredential, checkServer, credentialParams, CredentialFields, NO_CREDENTIAL, type CredentialChoice } from './client-fields.js';
import { formatJwks, publicJwksOf } from './public-jwks.js';

const NAME_MAX = 64;

export function AddAutonomousAgentButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Add autonomous agent
      </button>
      {open && <AddAutonomousAgentDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function AddAutonomousAgentDialog({ onClose }: { onClose: () => void }) {
  const addAutonomousAgent = useWallet((s) => s.addAutonomousAgent);
  const [name, setName] = useState('');
  const [server, setServer] = useState('');
  const [scopes, setScopes] = useState('');
  const [clientId, setClientId] = useState('');
  const [choice, setChoice] = useState<CredentialChoice>({ ...NO_CREDENTIAL, credential: 'register' });
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<AutonomousAgentAdded | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const trimmed = name.trim();
    const parsed = parseScopes(scopes);
    if (trimmed.length === 0 || trimmed.length > NAME_MAX) return setProblem(`A name has 1 to ${NAME_MAX} characters.`);
    const missing = checkServer(server.trim()) ?? (typeof parsed === 'string' ? parsed : checkCredential(choice, clientId));
    if (missing !== undefined || typeof parsed === 'string') return setProblem(missing);
    setProblem(undefined);
    setRefused(undefined);
    setBusy(true);
    const outcome = await addAutonomousAgent({
      name: trimmed,
      server: server.trim(),
      ...(parsed.length === 0 ? {} : { scopes: parsed }),
      ...credentialParams(choice, clientId),
    });
    setChoice({ ...choice, secret: '' }); // never kept once handed to the wallet
    setBusy(false);
    if (outcome.ok) setAdded(outcome.value);
    else setRefused(outcome.error);
  };

  if (added !== undefined) return <AutonomousAgentOnce added={added} onClose={onClose} />;
  return (
    <Dialog title="Add autonomous agent" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <p className="muted">
          An agent that runs on its own with a client of its own at the server&apos;s authorization server: no browser, no sign-in of yours. If a step fails,
          nothing is left behind.
        </p>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} autoFocus spellCheck={false} maxLength={NAME_MAX} placeholder="nightly-report" />
        </label>
        <label className="field">
          <span>MCP server URL</span>
          <input type="url" value={server} onChange={(e) => setServer(e.target.value)} spellCheck={false} dir="ltr" maxLength={2048} placeholder="https://mcp.example.com/mcp" />
        </label>
        <label className="field">
          <span>Scopes (separated by spaces; empty: those the server advertises)</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} spellCheck={false} dir="ltr" />
        </label>
        <CredentialFields choice={choice} onChange={setChoice} canRegister />
        {choice.credential !== 'register' && (
          <label className="field">
            <span>Client id</span>
            <input value={clientId} onChange={(e) => setClientId(e.target.value)} spellCheck={false} dir="ltr" autoComplete="off" maxLength={512} />
          </label>
        )}
        {refused !== undefined && <InlineError error={refused} />}
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Add autonomous agent" />
      </form>
    </Dialog>
  );
}

/** The new agent's secret, shown once (copyable; closing the dialog forgets it), whether its client was tried, and its public key. */
function AutonomousAgentOnce({ added, onClose }: { added: AutonomousAgentAdded; onClose: () => void }) {
  const [copied, setCopied] = useState<string>(' ');
  const jwks = added.publicJwk === undefined ? undefined : formatJwks(publicJwksOf([added.publicJwk]));
  const copy = async (what: string, text: string): Promise<void> => setCopied((await copyText(text)) ? `${what} copied to the clipboard.` : `Could not copy: select the ${what.toLowerCase()} and copy it yourself.`);
  return (
    <Dialog title="Autonomous agent added" onClose={onClose}>
      <div className="form">
        <p>
          <Text value={added.agent.name} wrap /> has its own client <Text value={added.client.clientId} ltr /> at <Text value={added.client.issuer} ltr /> and a
          grant for <Text value={added.grant.resource} ltr />.{' '}
          {added.verified
            ? 'The authorization server issued the client a token: it works.'
            : 'Its key is not registered yet: give the public key set below to the server’s administrator; the agent gets tokens once it is.'}
        </p>
        <label className="field">
          <span>Agent secret</span>
          <input className="secret" value={added.secret} readOnly dir="ltr" spellCheck={false} autoComplete="off" onFocus={(e) => e.target.select()} />
        </label>
        <p className="muted">Shown only this once: copy it into the agent&apos;s configuration, or start it with <code>latchkey run --agent &lt;name&gt; -- &lt;command&gt;</code>.</p>
        {jwks !== undefined && (
          <label className="field">
            <span>Public key set (JWKS)</span>
            <textarea className="policy-text" value={jwks} readOnly rows={8} wrap="off" dir="ltr" spellCheck={false} onFocus={(e) => e.target.select()} />
          </label>
        )}
        <p className="muted" role="status">
          {copied}
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void copy('Secret', added.secret)}>
            Copy secret
          </button>
          {jwks !== undefined && (
            <button type="button" className="button" onClick={() => void copy('JWKS', jwks)}>
              Copy JWKS
            </button>
          )}
          <button type="button" className="button primary" onClick={onClose} autoFocus>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
