import type { EnterpriseStatus } from '../../../shared/api.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { readSecret } from '../prompt.js';
import { defineCommand, getFlag, getString, JSON_OPTION, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const DEFAULT_SIGN_IN_TIMEOUT_SECONDS = 300;
const MAX_SIGN_IN_TIMEOUT_SECONDS = 3600;

export interface EnterpriseSetArgs {
  issuer: string;
  clientId: string;
  secretFromStdin: boolean;
  json: boolean;
}

export function parseEnterpriseSetArgs(raw: RawArgs): EnterpriseSetArgs {
  const issuer = getString(raw.values, 'idp');
  const clientId = getString(raw.values, 'client-id');
  if (issuer === undefined || issuer.trim() === '' || clientId === undefined || clientId.trim() === '') {
    throw new UsageError('enterprise set needs --idp and --client-id.', 'For example: latchkey enterprise set --idp https://login.example.com --client-id latchkey');
  }
  return { issuer: issuer.trim(), clientId: clientId.trim(), secretFromStdin: getFlag(raw.values, 'client-secret-stdin'), json: getFlag(raw.values, 'json') };
}

/** One line (or a few) saying where the owner's enterprise sign-in stands; never a token. */
export function describeEnterprise(status: EnterpriseStatus, now: number): string[] {
  if (status.state === 'not-configured') return ['No identity provider is set up. Run: latchkey enterprise set --idp ISSUER --client-id ID'];
  const idp = `Identity provider ${status.issuer ?? '?'} (client ${status.clientId ?? '?'}${status.hasSecret ? ', with secret' : ''}).`;
  if (status.state === 'signed-out') return [idp, 'Not signed in. Run: latchkey enterprise sign-in'];
  const who = status.subject === undefined ? 'Signed in' : `Signed in as ${status.subject}`;
  const until = status.idTokenExpiresAt === undefined ? '' : `; ID token ${status.state === 'expired' ? 'expired' : `valid for ${Math.max(0, Math.round((status.idTokenExpiresAt - now) / 60_000))} min`}`;
  const renew = status.refreshable ? ', renewed without a browser' : status.state === 'expired' ? '. Run: latchkey enterprise sign-in' : ', no refresh token: sign in again when it expires';
  return [idp, `${who}${until}${renew}.`];
}

export async function runEnterpriseSet(wallet: Wallet, args: EnterpriseSetArgs, io: CliIo): Promise<number> {
  const clientSecret = args.secretFromStdin ? await readSecret(io, 'client secret') : undefined;
  const status = await wallet.setEnterprise({ issuer: args.issuer, clientId: args.clientId, ...(clientSecret === undefined ? {} : { clientSecret }) });
  if (args.json) writeJson(io, status);
  else for (const line of describeEnterprise(status, Date.now())) writeLine(io.stdout, line);
  return EXIT_OK;
}

export interface EnterpriseSignInArgs {
  timeoutMs: number;
  json: boolean;
}

export function parseEnterpriseSignInArgs(raw: RawArgs): EnterpriseSignInArgs {
  const text = getString(raw.values, 'timeout') ?? String(DEFAULT_SIGN_IN_TIMEOUT_SECONDS);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_SIGN_IN_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout "${text}" is not a number of seconds between 1 and ${MAX_SIGN_IN_TIMEOUT_SECONDS}.`, 'For example: --timeout 600 waits ten minutes for the browser.');
  }
  return { timeoutMs: Number(text) * 1000, json: getFlag(raw.values, 'json') };
}

export async function runEnterpriseSignIn(wallet: Wallet, args: EnterpriseSignInArgs, io: CliIo): Promise<number> {
  writeLine(io.stderr, 'Opening your browser to sign in at your organisation\'s identity provider…');
  const status = await wallet.enterpriseSignIn({ timeoutMs: args.timeoutMs });
  if (args.json) writeJson(io, status);
  else for (const line of describeEnterprise(status, Date.now())) writeLine(io.stdout, line);
  return EXIT_OK;
}

export async function runEnterpriseStatus(wallet: Wallet, args: { json: boolean }, io: CliIo): Promise<number> {
  const status = await wallet.enterpriseStatus();
  if (args.json) writeJson(io, status);
  else for (const line of describeEnterprise(status, Date.now())) writeLine(io.stdout, line);
  return EXIT_OK;
}

export async function runEnterpriseForget(wallet: Wallet, _args: Record<string, never>, io: CliIo): Promise<number> {
  const forgotten = await wallet.forgetEnterprise();
  writeLine(io.stdout, forgotten ? 'Forgot the identity provider and your sign-in there. Enterprise-managed connections need it set up again.' : 'No identity provider was set up.');
  return EXIT_OK;
}

export const enterpriseSetCommand = defineCommand(
  {
    path: ['enterprise', 'set'],
    usage: 'latchkey enterprise set --idp ISSUER --client-id ID [--client-secret-stdin] [--json]',
    summary: "Name your organisation's identity provider for enterprise-managed connections.",
    description:
      "The identity provider's metadata is discovered and checked now. Latchkey's client there is the one your administrator registered " +
      '(redirect URI http://127.0.0.1 with any port, the token exchange grant allowed). A secret is read from stdin, never from the command line, and kept in the vault. ' +
      'A different identity provider forgets the sign-in at the old one.',
    examples: [
      'latchkey enterprise set --idp https://login.example.com --client-id latchkey',
      'printf %s "$SECRET" | latchkey enterprise set --idp https://login.example.com --client-id latchkey --client-secret-stdin',
    ],
    positionals: [],
    options: {
      idp: { type: 'string', valueName: 'ISSUER', description: "The identity provider's issuer URL (required)." },
      'client-id': { type: 'string', valueName: 'ID', description: "Latchkey's client id at the identity provider (required)." },
      'client-secret-stdin': { type: 'boolean', description: 'Read the client secret from stdin (a prompt on a terminal).' },
      json: JSON_OPTION,
    },
  },
  parseEnterpriseSetArgs,
  runEnterpriseSet,
);

export const enterpriseSignInCommand = defineCommand(
  {
    path: ['enterprise', 'sign-in'],
    usage: 'latchkey enterprise sign-in [--timeout SECONDS] [--json]',
    summary: "Sign in once at your organisation's identity provider, in your browser.",
    description:
      'One sign-in covers every enterprise-managed connection (latchkey connect URL --enterprise): each of their tokens is exchanged from it without a browser. ' +
      'The ID token and the refresh token are kept in the vault; run this again when Latchkey says your sign-in is needed.',
    examples: ['latchkey enterprise sign-in', 'latchkey enterprise sign-in --timeout 600'],
    positionals: [],
    options: {
      timeout: { type: 'string', valueName: 'SECONDS', description: `How long to wait for the browser sign-in (default ${DEFAULT_SIGN_IN_TIMEOUT_SECONDS}).` },
      json: JSON_OPTION,
    },
  },
  parseEnterpriseSignInArgs,
  runEnterpriseSignIn,
);

export const enterpriseStatusCommand = defineCommand(
  {
    path: ['enterprise', 'status'],
    usage: 'latchkey enterprise status [--json]',
    summary: 'Show the identity provider and whether you are signed in there.',
    description: 'Never prints a token or a secret.',
    examples: ['latchkey enterprise status', 'latchkey enterprise status --json'],
    positionals: [],
    options: { json: JSON_OPTION },
  },
  (raw): { json: boolean } => ({ json: getFlag(raw.values, 'json') }),
  runEnterpriseStatus,
);

export const enterpriseForgetCommand = defineCommand(
  {
    path: ['enterprise', 'forget'],
    usage: 'latchkey enterprise forget',
    summary: 'Forget the identity provider and your sign-in there.',
    description: 'Enterprise-managed connections stay listed, but get no new tokens until an identity provider is set up and you sign in again.',
    examples: ['latchkey enterprise forget'],
    positionals: [],
    options: {},
  },
  (): Record<string, never> => ({}),
  runEnterpriseForget,
);
