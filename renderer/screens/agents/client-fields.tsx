/**
 * How an agent's own client proves itself, as a form's fields: a key the wallet generates
 * (private_key_jwt; ES256 or RS256), a client secret (client_secret_basic; a password field), or —
 * where the form offers it — a client the wallet registers with the server (dynamic registration,
 * with a generated key).
 */
export type Credential = 'key' | 'secret' | 'register';
export type KeyAlg = 'ES256' | 'RS256';

export interface CredentialChoice {
  credential: Credential;
  secret: string;
  alg: KeyAlg;
}

export const NO_CREDENTIAL: CredentialChoice = { credential: 'key', secret: '', alg: 'ES256' };

const SECRET_MAX = 4096;
const SERVER_PROBLEM = 'The server is its MCP URL, such as https://mcp.example.com/mcp.';

/** The shape of an MCP server URL (the wallet checks the rest: https, or http on loopback when allowed). */
export function checkServer(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : SERVER_PROBLEM;
  } catch {
    return SERVER_PROBLEM;
  }
}

/** What is missing from the choice, or undefined. */
export function checkCredential(choice: CredentialChoice, clientId: string): string | undefined {
  if (choice.credential !== 'register' && clientId.trim() === '') return 'Give the client id the administrator registered for this agent.';
  if (choice.credential === 'secret' && choice.secret === '') return 'Give the client secret, or choose to generate a key.';
  return undefined;
}

/** The owner method's params for the choice (the secret passes through, never kept). */
export function credentialParams(choice: CredentialChoice, clientId: string): { clientId: string; clientSecret: string } | { clientId: string; generateKey: KeyAlg } | { register: true; generateKey: KeyAlg } {
  switch (choice.credential) {
    case 'secret':
      return { clientId: clientId.trim(), clientSecret: choice.secret };
    case 'key':
      return { clientId: clientId.trim(), generateKey: choice.alg };
    case 'register':
      return { register: true, generateKey: choice.alg };
  }
}

interface CredentialFieldsProps {
  choice: CredentialChoice;
  onChange: (choice: CredentialChoice) => void;
  /** Offer "register a client" (the one-step autonomous agent). */
  canRegister?: boolean;
}

export function CredentialFields({ choice, onChange, canRegister = false }: CredentialFieldsProps) {
  const choose = (credential: Credential): void => onChange({ ...choice, credential });
  return (
    <>
      <fieldset className="radios">
        <legend>How the client proves itself</legend>
        {canRegister && (
          <label className="radio">
            <input type="radio" name="credential" checked={choice.credential === 'register'} onChange={() => choose('register')} />
            Register a client with the server&apos;s authorization server (a generated key)
          </label>
        )}
        <label className="radio">
          <input type="radio" name="credential" checked={choice.credential === 'key'} onChange={() => choose('key')} />
          Generate a key (private_key_jwt): the private key stays in the vault
        </label>
        <label className="radio">
          <input type="radio" name="credential" checked={choice.credential === 'secret'} onChange={() => choose('secret')} />
          A client secret (client_secret_basic)
        </label>
      </fieldset>
      {choice.credential === 'secret' ? (
        <label className="field">
          <span>Client secret</span>
          <input type="password" value={choice.secret} onChange={(e) => onChange({ ...choice, secret: e.target.value })} spellCheck={false} autoComplete="off" maxLength={SECRET_MAX} />
        </label>
      ) : (
        <label className="field">
          <span>Key algorithm</span>
          <select value={choice.alg} onChange={(e) => onChange({ ...choice, alg: e.target.value === 'RS256' ? 'RS256' : 'ES256' })}>
            <option value="ES256">ES256 (P-256)</option>
            <option value="RS256">RS256 (RSA 2048)</option>
          </select>
        </label>
      )}
    </>
  );
}
