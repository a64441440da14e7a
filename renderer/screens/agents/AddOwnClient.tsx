/**
 * Gives an agent its own client at a server's authorization server (R5), as
 * `latchkey agent credentials` does: a client id and either its secret (client_secret_basic; a password field,
 * passed on to the wallet and never shown back) or a key the wallet generates (private_key_jwt;
 * the private key stays in the vault). For a key, the public JWK set is shown to copy for the
 * administrator. A refusal is shown in the dialog with its code and hint.
 */
import { useState, type FormEvent } from 'react';
import type { AgentSummary } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { Dialog } from '../../components/Dialog.js';
import { FormFooter } from '../../components/FormFooter.js';
import { InlineError } from '../../components/InlineError.js';
import { Text } from '../../components/Text.js';
import type { AgentClientAdded, UiError } from '../../store/index.js';
import { checkCredential, checkServer, credentialParams, CredentialFields, NO_CREDENTIAL, type CredentialChoice } from './client-fields.js';
import { PublicKeyDialog } from './PublicKeyDialog.js';

const CLIENT_ID_MAX = 512;

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

function AddOwnClientDialog({ agent, onClose }: { agent: AgentSummary; onClose: () => void }) {
  const setAgentClient = useWallet((s) => s.setAgentClient);
  const [server, setServer] = useState('');
  const [clientId, setClientId] = useState('');
  const [choice, setChoice] = useState<CredentialChoice>(NO_CREDENTIAL);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<AgentClientAdded | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const missing = checkServer(server.trim()) ?? checkCredential(choice, clientId);
    if (missing !== undefined) return setProblem(missing);
    const params = credentialParams(choice, clientId);
    if ('register' in params) return setProblem('Registering a client is offered when adding an autonomous agent.'); // not offered in this form
    setProblem(undefined);
    setRefused(undefined);
    setBusy(true);
    const outcome = await setAgentClient({ agent: agent.id, server: server.trim(), ...params });
    setChoice({ ...choice, secret: '' }); // never kept once handed to the wallet
    setBusy(false);
    if (!outcome.ok) return setRefused(outcome.error);
    if (outcome.value.publicJwk === undefined) return onClose();
    setAdded(outcome.value);
  };

  if (added?.publicJwk !== undefined) {
    return (
      <PublicKeyDialog title="Register this public key" keys={[added.publicJwk]} onClose={onClose}>
        <p>
          <Text value={agent.name} wrap /> has a key for client <Text value={added.client.clientId} ltr /> at <Text value={added.client.issuer} ltr />. Give this
          public key set to the server&apos;s administrator to register with the client (its <code>jwks</code>). It holds no secret; the private key never leaves
          the vault.
        </p>
      </PublicKeyDialog>
    );
  }
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
        <CredentialFields choice={choice} onChange={setChoice} />
        {refused !== undefined && <InlineError error={refused} />}
        <FormFooter problem={problem} busy={busy} onCancel={onClose} action="Add client" />
      </form>
    </Dialog>
  );
}
