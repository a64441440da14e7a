/**
 * R7 at the command line: `latchkey enterprise set` and `sign-in` parse their options (a usage
 * error names what is missing), `connect --enterprise` refuses a browser channel beside it, and the
 * status reads as one or two plain lines that never hold a token.
 */
import { describe, expect, it } from 'vitest';
import type { EnterpriseStatus } from '../../../shared/api.js';
import { parseConnectArgs } from '../../../electron/cli/commands/connect.js';
import { describeEnterprise, parseEnterpriseSetArgs, parseEnterpriseSignInArgs } from '../../../electron/cli/commands/enterprise.js';
import type { OptionValues } from '../../../electron/cli/spec.js';
import { UsageError } from '../../../electron/cli/usage-error.js';

const NOW = 1_800_000_000_000;
const raw = (values: OptionValues, positionals: string[] = []) => ({ positionals, values, signal: new AbortController().signal });

describe('R7: latchkey enterprise and connect --enterprise', () => {
  it('R7: enterprise set needs --idp and --client-id; the secret only ever comes from stdin', () => {
    expect(() => parseEnterpriseSetArgs(raw({ idp: 'https://login.example.com' }))).toThrow(UsageError);
    expect(() => parseEnterpriseSetArgs(raw({ 'client-id': 'latchkey' }))).toThrow(UsageError);
    expect(parseEnterpriseSetArgs(raw({ idp: ' https://login.example.com ', 'client-id': 'latchkey', 'client-secret-stdin': true }))).toEqual({
      issuer: 'https://login.example.com',
      clientId: 'latchkey',
      secretFromStdin: true,
      json: false,
    });
  });

  it('R7: sign-in waits five minutes for the browser unless told, within bounds', () => {
    expect(parseEnterpriseSignInArgs(raw({})).timeoutMs).toBe(300_000);
    expect(parseEnterpriseSignInArgs(raw({ timeout: '600' })).timeoutMs).toBe(600_000);
    expect(() => parseEnterpriseSignInArgs(raw({ timeout: '0' }))).toThrow(UsageError);
  });

  it('R7: connect --enterprise opens no browser at the server, so a sign-in channel beside it is a usage error', () => {
    expect(parseConnectArgs(raw({ enterprise: true }, ['https://mcp.example.com/mcp'])).enterprise).toBe(true);
    expect(() => parseConnectArgs(raw({ enterprise: true, device: true }, ['https://mcp.example.com/mcp']))).toThrow(/--enterprise opens no browser/);
  });

  it('R7: the status says where the sign-in stands and which command comes next', () => {
    expect(describeEnterprise({ state: 'not-configured', hasSecret: false, refreshable: false }, NOW)).toEqual([
      'No identity provider is set up. Run: latchkey enterprise set --idp ISSUER --client-id ID',
    ]);
    const base: EnterpriseStatus = { state: 'signed-out', issuer: 'https://login.example.com', clientId: 'latchkey', hasSecret: true, refreshable: false };
    expect(describeEnterprise(base, NOW)).toEqual(['Identity provider https://login.example.com (client latchkey, with secret).', 'Not signed in. Run: latchkey enterprise sign-in']);
    const signedIn: EnterpriseStatus = { ...base, state: 'signed-in', subject: 'alice@example.com', idTokenExpiresAt: NOW + 30 * 60_000, refreshable: true };
    expect(describeEnterprise(signedIn, NOW)[1]).toBe('Signed in as alice@example.com; ID token valid for 30 min, renewed without a browser.');
    expect(describeEnterprise({ ...signedIn, state: 'expired', refreshable: false }, NOW)[1]).toBe('Signed in as alice@example.com; ID token expired. Run: latchkey enterprise sign-in.');
  });
});
