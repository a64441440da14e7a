import type { TokenResponse } from '../../../shared/bridge.js';
import { bearerTokenOf, senderConstrained } from '../../agent/bridge-client/bearer-only.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { connectAgentBridge, isAgentMode } from '../agent-mode.js';
import { writeLine, type CliIo } from '../io.js';
import { announceWaiting } from '../waiting-line.js';
import { EXIT_OK, writeJson } from '../output.js';
import { getFlag, getStrings, requirePositional, type CommandContext, type CommandSpec, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';
import { ACCOUNT_OPTION, parseAccount } from '../account-option.js';

export interface TokenArgs {
  url: string;
  /** --account: which of the owner's accounts on the server (T8); undefined: its default or only one (an agent: its grant's). */
  account: string | undefined;
  json: boolean;
  /** Agent mode only: the scopes to ask for (default: what the grant allows). */
  scopes: string[];
  signal: AbortSignal;
}

export function parseTokenArgs(raw: RawArgs): TokenArgs {
  return {
    url: requirePositional(raw, 0, 'the MCP server URL'),
    account: parseAccount(raw),
    json: getFlag(raw.values, 'json'),
    scopes: [...new Set(getStrings(raw.values, 'scope').flatMap((s) => s.split(/\s+/u)).filter((s) => s !== ''))],
    signal: raw.signal,
  };
}

function printToken(io: CliIo, token: TokenResponse, json: boolean): void {
  if (json) writeJson(io, token);
  else writeLine(io.stdout, token.access_token);
}

/** The only place the CLI prints a secret: the access token, on stdout, for its owner. */
export async function runToken(wallet: Wallet, args: TokenArgs, io: CliIo): Promise<number> {
  const token = await wallet.accessToken({ url: args.url, ...(args.account === undefined ? {} : { account: args.account }) }, { signal: args.signal });
  if (token.tokenType === 'DPoP') throw senderConstrained(args.url);
  printToken(
    io,
    { access_token: token.accessToken, token_type: token.tokenType, expires_at: Math.floor(token.expiresAt / 1000), scope: token.scope.join(' ') },
    args.json,
  );
  return EXIT_OK;
}

/**
 * Agent mode: the bridge hands out a short-lived token under the agent's grant (or after the
 * owner's approval), audited. Only the four TokenResponse fields are printed: never a refresh token.
 */
export async function runAgentToken(args: TokenArgs, io: CliIo, context: CommandContext): Promise<number> {
  const bridge = await connectAgentBridge(context.env, { onWaiting: announceWaiting(io.stderr, 'latchkey') });
  try {
    const target = args.account === undefined ? args.url : { resource: args.url, account: args.account };
    const token = await bridge.token(target, args.scopes.length === 0 ? undefined : args.scopes);
    bearerTokenOf(token, args.url);
    const { access_token, token_type, expires_at, scope } = token;
    printToken(io, { access_token, token_type, expires_at, scope }, args.json);
    return EXIT_OK;
  } finally {
    bridge.close();
  }
}

export const tokenCommand: CommandSpec = {
  path: ['token'],
  usage: 'latchkey token <mcp-url> [--account LABEL] [--json] [--scope S ...]',
  summary: 'Print a fresh access token for a connected server (credential-helper style).',
  description:
    'Prints only the access token on stdout, refreshing it first if it expires within a minute. ' +
    'With --json prints {"access_token", "token_type", "expires_at" (epoch seconds), "scope" (space-separated)}. ' +
    'Treat the output as a secret. ' +
    'Inside an agent session (LATCHKEY_SESSION or LATCHKEY_AGENT_SECRET set) it asks the Latchkey bridge instead of opening the vault: ' +
    'the token is short-lived and narrowed to the agent\'s grant, and --scope asks for fewer (or, with the owner\'s approval, more) scopes. ' +
    'With more than one account on the server, --account names which (an agent gets only the account its grant names).',
  examples: [
    'latchkey token https://mcp.example.com/mcp',
    'latchkey token https://mcp.example.com/mcp --account work',
    'curl -H "Authorization: Bearer $(latchkey token https://mcp.example.com/mcp)" …',
    'latchkey run --agent ci -- sh -c \'latchkey token github --scope repo:read\'',
  ],
  positionals: ['<mcp-url>'],
  options: {
    account: ACCOUNT_OPTION,
    json: { type: 'boolean', description: 'Print the token with expires_at and scope as JSON.' },
    scope: { type: 'string', multiple: true, valueName: 'S', description: 'Agent mode: a scope to ask for (repeatable).' },
  },
  prepare(raw) {
    const args = parseTokenArgs(raw);
    if (args.scopes.length > 0) {
      throw new UsageError('--scope is for agents inside a session.', 'As the owner, choose scopes when connecting: latchkey connect <mcp-url> --scope S.');
    }
    return (wallet, io) => runToken(wallet, args, io);
  },
  prepareAgent(raw, env) {
    if (!isAgentMode(env)) return undefined;
    const args = parseTokenArgs(raw);
    return (io, context) => runAgentToken(args, io, context);
  },
};
