import type { ConnectionSummary, ConnectProgress } from '../../../shared/connections.js';
import type { ConnectParams } from '../../../shared/api.js';
import { NO_RESOURCE_RISK } from '../../../shared/no-resource-warning.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { createConnectReporter } from '../progress.js';
import { readPastedSignIn } from '../paste-sign-in.js';
import { defineCommand, getFlag, getString, getStrings, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';
import { ACCOUNT_OPTION, parseAccount } from '../account-option.js';

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 300;
const MAX_CONNECT_TIMEOUT_SECONDS = 3600;

export interface ConnectArgs {
  url: string;
  scopes: string[];
  timeoutMs: number;
  json: boolean;
  signal: AbortSignal;
  /** --no-resource (false) / --resource (true); undefined keeps what the connection has. */
  sendResource: boolean | undefined;
  /** --callback-port N; 0 goes back to ephemeral ports. */
  callbackPort: number | undefined;
  /** undefined: as this connection signed in last (the browser for a new one). */
  signIn: 'browser' | 'device' | 'paste' | undefined;
  reregister: boolean;
  /** --account: sign in as another of your accounts on this server (T8); undefined: the default account. */
  account: string | undefined;
  /** --enterprise: tokens from the organisation's identity provider (ID-JAG, R7), no browser at this server. */
  enterprise: boolean;
}

export const NO_RESOURCE_WARNING = `Warning: --no-resource: ${NO_RESOURCE_RISK} and shown by "latchkey connections". --resource turns it back on.`;

export function parseConnectArgs(raw: RawArgs): ConnectArgs {
  const timeoutText = getString(raw.values, 'timeout') ?? String(DEFAULT_CONNECT_TIMEOUT_SECONDS);
  if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > MAX_CONNECT_TIMEOUT_SECONDS) {
    throw new UsageError(
      `--timeout "${timeoutText}" is not a number of seconds between 1 and ${MAX_CONNECT_TIMEOUT_SECONDS}.`,
      'For example: --timeout 600 waits ten minutes for the browser.',
    );
  }
  // --scope may be repeated, and each value may hold several space-separated scopes.
  const scopes = [...new Set(getStrings(raw.values, 'scope').flatMap((s) => s.split(/\s+/u)).filter((s) => s !== ''))];
  if (getFlag(raw.values, 'resource') && getFlag(raw.values, 'no-resource')) throw new UsageError('Give --resource or --no-resource, not both.');
  const channels = (['browser', 'device', 'paste'] as const).filter((name) => getFlag(raw.values, name));
  if (channels.length > 1) throw new UsageError(`Give one of --browser, --device and --paste, not ${channels.map((c) => `--${c}`).join(' and ')}.`);
  const enterprise = getFlag(raw.values, 'enterprise');
  if (enterprise && channels.length > 0) throw new UsageError(`--enterprise opens no browser at the server: drop --${channels[0] ?? ''}.`, 'Sign in at your identity provider with: latchkey enterprise sign-in');
  return {
    url: requirePositional(raw, 0, 'the MCP server URL'),
    scopes,
    timeoutMs: Number(timeoutText) * 1000,
    json: getFlag(raw.values, 'json'),
    signal: raw.signal,
    sendResource: getFlag(raw.values, 'no-resource') ? false : getFlag(raw.values, 'resource') ? true : undefined,
    callbackPort: parseCallbackPort(getString(raw.values, 'callback-port')),
    signIn: channels[0],
    reregister: getFlag(raw.values, 'reregister'),
    account: parseAccount(raw),
    enterprise,
  };
}

function parseCallbackPort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535 || (Number(text) > 0 && Number(text) < 1024)) {
    throw new UsageError(
      `--callback-port "${text}" is not a port between 1024 and 65535 (or 0).`,
      'Give the port your authorization server has registered, e.g. --callback-port 8765; 0 goes back to a new port each time.',
    );
  }
  return Number(text);
}

function connectParams(args: ConnectArgs): ConnectParams {
  return {
    url: args.url,
    ...(args.account === undefined ? {} : { account: args.account }),
    timeoutMs: args.timeoutMs,
    ...(args.scopes.length === 0 ? {} : { scopes: args.scopes }),
    ...(args.sendResource === undefined ? {} : { sendResource: args.sendResource }),
    ...(args.callbackPort === undefined ? {} : { callbackPort: args.callbackPort }),
    ...(args.signIn === undefined ? {} : { signIn: args.signIn }),
    ...(args.reregister ? { reregister: true } : {}),
    ...(args.enterprise ? { enterprise: true } : {}),
  };
}

export function describeConnection(connection: ConnectionSummary): string {
  if (connection.access === 'open-until-401') {
    return `Connected ${connection.resource}: it answers without a token, so no sign-in is needed yet. Latchkey signs in when it first asks (401).`;
  }
  const scopes = connection.scopes.length === 0 ? 'no scopes' : `scopes: ${connection.scopes.join(' ')}`;
  const as = connection.account === undefined ? '' : ` as account "${connection.account}"`;
  const managed = connection.managedBy === 'enterprise' ? '; enterprise-managed: tokens from your identity provider' : '';
  return `Connected ${connection.resource}${as} via ${connection.issuer} (${scopes}; client: ${connection.registration}${managed}).`;
}

export async function runConnect(wallet: Wallet, args: ConnectArgs, io: CliIo): Promise<number> {
  const reporter = createConnectReporter(io);
  if (args.sendResource === false) writeLine(io.stderr, NO_RESOURCE_WARNING);
  if (args.reregister) writeLine(io.stderr, 'Registering Latchkey again with the authorization server: other connections through it will need to sign in again.');
  // Paste sign-in: stdin is read while the wallet waits; a stdin that ends without an address stops the connect.
  const pasting = new AbortController();
  let pasteFailure: unknown;
  const onProgress = (event: ConnectProgress): void => {
    reporter.handle(event);
    if (event.step !== 'paste') return;
    readPastedSignIn(io, event, AbortSignal.any([args.signal, pasting.signal])).catch((error: unknown) => {
      pasteFailure = error;
      pasting.abort();
    });
  };
  try {
    const connection = await wallet.connect(connectParams(args), { onProgress, signal: AbortSignal.any([args.signal, pasting.signal]) }).catch((error: unknown) => {
      throw pasteFailure ?? error;
    });
    reporter.stop();
    if (args.json) writeJson(io, connection);
    else writeLine(io.stdout, describeConnection(connection));
    if (connection.sendResource === false && args.sendResource !== false) {
      writeLine(io.stderr, 'Note: this connection does not send the RFC 8707 "resource" parameter (set earlier with --no-resource; --resource turns it back on).');
    }
    return EXIT_OK;
  } finally {
    pasting.abort();
    reporter.stop();
  }
}

export const connectCommand = defineCommand(
  {
    path: ['connect'],
    usage:
      'latchkey connect <mcp-url> [--account LABEL] [--scope S ...] [--timeout SECONDS] [--browser | --device | --paste] [--callback-port N] [--no-resource | --resource] [--reregister] [--enterprise] [--json]',
    summary: 'Connect to an MCP server: sign in once in your browser.',
    description:
      'Discovers the server\'s authorization server, registers Latchkey as a client if needed, and opens your browser to sign in. ' +
      'The sign-in URL is printed too, so you can open it yourself if no browser starts (the browser must reach 127.0.0.1 on this machine). ' +
      'The tokens are kept in the vault; press Ctrl-C to cancel. ' +
      'Without a browser on this machine (SSH): --device signs in with a code on any device when the server offers it (RFC 8628), ' +
      '--paste prints the URL and takes back the address your browser ended on. Nothing switches to these by itself; ' +
      'the one you chose is used again by the next "latchkey connect" of that server until --browser. ' +
      '--callback-port and --no-resource/--resource are kept with the connection for all its sign-ins. "latchkey connections" shows each setting. ' +
      'A second account on the same server (work and personal): --account work signs in as another account, kept as its own connection; ' +
      'the sign-in page asks you to log in (or pick the account) instead of reusing the browser\'s session. Name the account in token, mcp, grant and disconnect.',
    examples: [
      'latchkey connect https://mcp.example.com/mcp',
      'latchkey connect https://mcp.example.com/mcp --scope "files:read files:write" --timeout 600',
      'latchkey connect https://mcp.example.com/mcp --device',
      'latchkey connect https://mcp.example.com/mcp --account work',
      'latchkey connect https://mcp.example.com/mcp --callback-port 8765 --no-resource',
      'latchkey connect https://mcp.example.com/mcp --enterprise',
    ],
    positionals: ['<mcp-url>'],
    options: {
      account: ACCOUNT_OPTION,
      scope: {
        type: 'string',
        multiple: true,
        valueName: 'S',
        description: 'Scopes to ask for (repeatable, or space-separated). Default: what the server asks for.',
      },
      timeout: {
        type: 'string',
        valueName: 'SECONDS',
        description: `How long to wait for the browser sign-in (default ${DEFAULT_CONNECT_TIMEOUT_SECONDS}).`,
      },
      browser: { type: 'boolean', description: 'Sign in through a browser on this machine (the default; undoes a kept --device or --paste).' },
      device: { type: 'boolean', description: 'Sign in with a code on any device (OAuth device grant), e.g. over SSH.' },
      paste: { type: 'boolean', description: 'Print the sign-in URL and read back, on stdin, the address the browser ended on.' },
      'callback-port': {
        type: 'string',
        valueName: 'N',
        description: 'Receive the browser sign-in on exactly 127.0.0.1:N, for servers that match the redirect URI with its port (kept; 0 to undo).',
      },
      'no-resource': {
        type: 'boolean',
        description: 'Leave out the RFC 8707 resource parameter the MCP spec requires, for authorization servers that reject it (kept; warned).',
      },
      resource: { type: 'boolean', description: 'Send the resource parameter again on a connection set to --no-resource.' },
      reregister: {
        type: 'boolean',
        description: "Forget Latchkey's registration with the authorization server and register again (not for a client you added).",
      },
      enterprise: {
        type: 'boolean',
        description:
          "Enterprise-managed: no browser at the server; its tokens come from your sign-in at your organisation's identity provider (latchkey enterprise set, sign-in) " +
          "and Latchkey's client there (latchkey client add ISSUER --client-id ID --client-secret-stdin). Kept with the connection.",
      },
      json: JSON_OPTION,
    },
  },
  parseConnectArgs,
  runConnect,
);
