/**
 * The organisation's identity provider, as `latchkey enterprise set|sign-in|status|forget` does:
 * which provider (issuer, client id), whether the owner is signed in there (as the ID token's
 * subject, and until when), a browser sign-in, forgetting it, and a form to name the provider. A
 * client secret goes to the vault and is never shown back. Refusals stay in the card.
 */
import { useState, type FormEvent } from 'react';
import { useWallet } from '../../app/store-context.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { InlineError } from '../../components/InlineError.js';
import { Loaded } from '../../components/Screen.js';
import { Text } from '../../components/Text.js';
import { formatTime } from '../../components/format.js';
import { selectEnterprise } from '../../store/selectors.js';
import type { UiError } from '../../store/index.js';
import type { EnterpriseStatus } from '../../../shared/api.js';

const STATES: Record<EnterpriseStatus['state'], string> = {
  'not-configured': 'No identity provider is set up.',
  'signed-out': 'Not signed in.',
  'signed-in': 'Signed in.',
  expired: 'Your sign-in there has expired.',
};

/** The sign-in line: who, and until when the ID token holds (only what the wallet says). */
export function describeSignIn(status: EnterpriseStatus): string {
  if (status.state !== 'signed-in' && status.state !== 'expired') return STATES[status.state];
  const who = status.subject === undefined ? '' : ` as ${status.subject}`;
  const until = status.idTokenExpiresAt === undefined ? '' : `; ID token ${status.state === 'expired' ? 'expired' : 'valid until'} ${formatTime(status.idTokenExpiresAt)}`;
  const renew = status.refreshable ? ', renewed without a browser' : status.state === 'expired' ? '. Sign in again' : '; sign in again when it expires';
  return `Signed in${who}${until}${renew}.`;
}

export function OrganisationSignIn() {
  const status = useWallet(selectEnterprise);
  const signIn = useWallet((s) => s.signInEnterprise);
  const forget = useWallet((s) => s.forgetEnterprise);
  const [waiting, setWaiting] = useState(false);
  const [result, setResult] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);

  const startSignIn = async (): Promise<void> => {
    setWaiting(true);
    setResult(undefined);
    setRefused(undefined);
    const outcome = await signIn();
    setWaiting(false);
    if (outcome.ok) setResult(outcome.value.state === 'signed-in' ? 'The browser sign-in worked: enterprise-managed connections get their tokens from it.' : describeSignIn(outcome.value));
    else setRefused(outcome.error);
  };

  const confirmForget = async (): Promise<void> => {
    setResult(undefined);
    setRefused(undefined);
    const outcome = await forget();
    if (!outcome.ok) setRefused(outcome.error);
  };

  const configured = status !== undefined && status.state !== 'not-configured';
  return (
    <section className="card" aria-label="Organisation sign-in">
      <h2 className="card-title">Organisation sign-in</h2>
      <p className="muted">
        Your organisation’s identity provider: one sign-in there covers every connection added through it (enterprise-managed), each token exchanged without a
        browser.
      </p>
      <Loaded collection="enterprise">
        {status !== undefined && (
          <>
            {configured && (
              <dl className="facts">
                <dt>Identity provider</dt>
                <dd>
                  <Text value={status.issuer ?? '?'} ltr />
                </dd>
                <dt>Client id</dt>
                <dd>
                  <Text value={status.clientId ?? '?'} ltr /> {status.hasSecret && <span className="tag">with secret</span>}
                </dd>
              </dl>
            )}
            <p role="status" aria-label="Sign-in state">
              {waiting ? 'Waiting for the browser… finish signing in on the identity provider’s page it opened.' : describeSignIn(status)}
            </p>
            {result !== undefined && !waiting && (
              <p className="muted" aria-label="Sign-in result">
                <Text value={result} wrap />
              </p>
            )}
            {refused !== undefined && <InlineError error={refused} />}
            {configured && (
              <div className="actions">
                <button type="button" className="button primary" disabled={waiting} onClick={() => void startSignIn()}>
                  {status.state === 'signed-in' ? 'Sign in again' : 'Sign in'}
                </button>
                <ConfirmButton label="Forget" title="Forget the identity provider?" disabled={waiting} onConfirm={confirmForget}>
                  <p>
                    Latchkey forgets the identity provider and your sign-in there. Enterprise-managed connections stay listed, but get no new tokens until an identity
                    provider is set up and you sign in again.
                  </p>
                </ConfirmButton>
              </div>
            )}
            <IdentityProviderForm open={!configured} />
          </>
        )}
      </Loaded>
    </section>
  );
}

/** Names the identity provider: its issuer URL, Latchkey's client id there and, for a confidential client, its secret. */
function IdentityProviderForm({ open }: { open: boolean }) {
  const setEnterprise = useWallet((s) => s.setEnterprise);
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState<UiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (issuer.trim() === '' || clientId.trim() === '') return setProblem('Enter the identity provider’s issuer URL and Latchkey’s client id there.');
    setProblem(undefined);
    setRefused(undefined);
    setBusy(true);
    const outcome = await setEnterprise({ issuer: issuer.trim(), clientId: clientId.trim(), ...(secret === '' ? {} : { clientSecret: secret }) });
    setSecret(''); // never kept once handed to the wallet
    setBusy(false);
    if (outcome.ok) {
      setIssuer('');
      setClientId('');
    } else setRefused(outcome.error);
  };

  const form = (
    <form className="form" noValidate aria-label="Identity provider" onSubmit={(event) => void submit(event)}>
      <label className="field">
        <span>Issuer URL</span>
        <input type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} spellCheck={false} dir="ltr" autoComplete="off" maxLength={2048} placeholder="https://login.example.com" />
      </label>
      <label className="field">
        <span>Client id</span>
        <input value={clientId} onChange={(e) => setClientId(e.target.value)} spellCheck={false} dir="ltr" autoComplete="off" maxLength={512} placeholder="latchkey" />
      </label>
      <label className="field">
        <span>Client secret (optional, kept in the vault)</span>
        <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} spellCheck={false} dir="ltr" autoComplete="off" maxLength={4096} />
      </label>
      <p className="muted small-print">
        The client your administrator registered there: redirect URI http://127.0.0.1 with any port, the token exchange grant allowed. A different identity provider
        forgets the sign-in at the old one.
      </p>
      {problem !== undefined && (
        <p className="load-error" role="alert">
          {problem}
        </p>
      )}
      {refused !== undefined && <InlineError error={refused} />}
      <div>
        <button type="submit" className="button" disabled={busy}>
          Save identity provider
        </button>
      </div>
    </form>
  );
  if (open) return form;
  return (
    <details className="advanced">
      <summary>Change the identity provider</summary>
      {form}
    </details>
  );
}
