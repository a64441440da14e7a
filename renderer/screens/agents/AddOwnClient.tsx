/**
 * Gives an agent its own client at a server's authorization server (R5), as `latchkey agent
 * credentials` does: a client id and either its secret (client_secret_basic; a password field,
 * passed on to the wallet and never shown back) or a key the wallet generates (private_key_jwt;
 * the private key stays in the vault). For a key, the public JWK set is shown to copy for the
 * administrator. A refusal is shown in the dialog with its code and hint.
 */
import { useState, type FormEvent } from 'react';
import type { AgentSummary } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { copyText } from '../../components/copy-text.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { InlineError } from '../../components/InlineError.js';
import { Text } from '../../components/Text.js';
import type { AgentClientSummary, UiError } from '../../store/index.js';
import { formatJwks, publicJwksOf } from './public-jwks.js';

type Credential = 'secret' | 'key';
type KeyAlg = 'ES256' | 'RS256';

const CLIENT_ID_MAX = 512;
const SECRET_MAX = 4096;

export function AddOwnClientButton({ agent }: { agent: AgentSummary }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button small" onClick={() => setOpen(true)}>
        Give this agent its own client
      </button>
      {open && <AddOwnClientDialog agent={agent} onClose={() => setOpen(false)} />}
    </>
  );
}

/** A URL the wallet will accept as an MCP server's (https, or http on loopback when allowed): checked there; here only its shape. */
function checkServer(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'The server is its MCP URL, such as https://mcp.example.com/mcp.';
  } catch {
    return 'The server is its MCP URL, such as https://mcp.example.com/mcp.';
  }
}

function AddOwnClientDialog({ agent, onClose }: { agent: AgentSummary; onClose: () => void }) {
  const setAgentClient = useWallet((s) => s.setAgentClient);
  const [server, setServer] = useState('');
  const [clientId, setClientId] = useState('');
  const [credential, setCredential] = useState<Credential>('key');
  const [secret, setSecret] = useState('');
  const [alg, setAlg] = useState<KeyAlg>('ES256');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ client: AgentClientSummary; publicJwk?: Record<string, unknown> } | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const serverProblem = checkServer(server.trim());
    if (serverProblem !== undefined) return setProblem(serverProblem);
    if (clientId.trim() === '') return setProblem('Give the client id the administrator registered for this agent.');
    if (credential === 'secret' && secret === '') return setProblem('Give the client secret, or choose to generate a key.');
    setProblem(undefined);
    setRefused(undefined);
    setBusy(true);
    const outcome = await setAgentClient({
      agent: agent.id,
      server: server.trim(),
      clientId: clientId.trim(),
      ...(credential === 'secret' ? { clientSecret: secret } : { generateKey: alg }),
    });
    setSecret(''); // never kept once handed to the wallet
    setBusy(false);
    if (!outcome.ok) return setRefused(outcome.error);
    if (outcome.value.publicJwk === undefined) return onClose();
    setAdded(outcome.value);
  };

  if (added?.publicJwk !== undefined) return <PublicKeyOnce agent={agent} client={added.client} publicJwk={added.publicJwk} onClose={onClose} />;
  return (
    <Dialog title="Give this agent its own client" onClose={onClose}>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <p>
          <Text value={agent.name} wrap /> gets tokens with a client of its own at the server&apos;s authorization server (client credentials): no browser, no
          sign-in of yours. It still needs a grant for the server.
        </p>
        <label className="field">
          <span>MCP server URL</span>
          <input type="url" value={server} onChange={(e) => setServer(e.target.value)} autoFocus spellCheck={false} dir="ltr" maxLength={2048} placeholder="https://mcp.example.com/mcp" />
        </label>
        <label className="field">
          <span>Client id</span>
          <input value={clientId} onChange={(e) => setClientId(e.target.value)} spellCheck={false} dir="ltr" autoComplete="off" maxLength={CLIENT_ID_MAX} />
        </label>
        <fieldset className="radios">
          <legend>How the client proves itself</legend>
          <label className="radio">
            <input type="radio" name="credential" checked={credential === 'key'} onChange={() => setCredential('key')} />
            Generate a key (private_key_jwt): the private key stays in the vault
          </label>
          <label className="radio">
            <input type="radio" name="credential" checked={credential === 'secret'} onChange={() => setCredential('secret')} />
            A client secret (client_secret_basic)
          </label>
        </fieldset>
        {credential === 'key' ? (
          <label className="field">
            <span>Key algorithm</span>
            <select value={alg} onChange={(e) => setAlg(e.target.value === 'RS256' ? 'RS256' : 'ES256')}>
              <option value="ES256">ES256 (P-256)</option>
              <option value="RS256">RS256 (RSA 2048)</option>
            </select>
          </label>
        ) : (
          <label className="field">
            <span>Client secret</span>
            <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} spellCheck={false} autoComplete="off" maxLength={SECRET_MAX} />
          </label>
        )}
        {refused !== undefined && <InlineError error={refused} />}
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Add client" />
      </form>
    </Dialog>
  );
}

/** The generated key's public JWK set, for the administrator to register with the client. */
function PublicKeyOnce({ agent, client, publicJwk, onClose }: { agent: AgentSummary; client: AgentClientSummary; publicJwk: Record<string, unknown>; onClose: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const jwks = formatJwks(publicJwksOf(publicJwk));
  return (
    <Dialog title="Register this public key" onClose={onClose}>
      <div className="form">
        <p>
          <Text value={agent.name} wrap /> has a key for client <Text value={client.clientId} ltr /> at <Text value={client.issuer} ltr />. Give this public key
          set to the server&apos;s administrator to register with the client (its <code>jwks</code>). It holds no secret; the private key never leaves the vault.
        </p>
        <label className="field">
          <span>Public key set (JWKS)</span>
          <textarea className="policy-text" value={jwks} readOnly rows={10} wrap="off" dir="ltr" spellCheck={false} onFocus={(e) => e.target.select()} />
        </label>
        <p className="muted" role="status">
          {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy: select the key set and copy it yourself.' : ' '}
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void copyText(jwks).then((ok) => setCopy(ok ? 'copied' : 'failed'))}>
            Copy JWKS
          </button>
          <button type="button" className="button primary" onClick={onClose} autoFocus>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
