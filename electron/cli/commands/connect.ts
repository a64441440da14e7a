import type { ConnectionSummary } from '../../../shared/connections.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { createConnectReporter } from '../progress.js';
import { defineCommand, getFlag, getString, getStrings, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 300;
const MAX_CONNECT_TIMEOUT_SECONDS = 3600;

export interface ConnectArgs {
  url: string;
  scopes: string[];
  timeoutMs: number;
  json: boolean;
  signal: AbortSignal;
}

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
  return {
    url: requirePositional(raw, 0, 'the MCP server URL'),
    scopes,
    timeoutMs: Number(timeoutText) * 1000,
    json: getFlag(raw.values, 'json'),
    signal: raw.signal,
  };
}

export function describeConnection(connection: ConnectionSummary): string {
  const scopes = connection.scopes.length === 0 ? 'no scopes' : `scopes: ${connection.scopes.join(' ')}`;
  return `Connected ${connection.resource} via ${connection.issuer} (${scopes}; client: ${connection.registration}).`;
}

export async function runConnect(wallet: Wallet, args: ConnectArgs, io: CliIo): Promise<number> {
  const reporter = createConnectReporter(io);
  try {
    const connection = await wallet.connect(
      { url: args.url, timeoutMs: args.timeoutMs, ...(args.scopes.length === 0 ? {} : { scopes: args.scopes }) },
      { onProgress: (event) => reporter.handle(event), signal: args.signal },
    );
    reporter.stop();
    if (args.json) writeJson(io, connection);
    else writeLine(io.stdout, describeConnection(connection));
    return EXIT_OK;
  } finally {
    reporter.stop();
  }
}

export const connectCommand = defineCommand(
  {
    path: ['connect'],
    usage: 'latchkey connect <mcp-url> [--scope S ...] [--timeout SECONDS] [--json]',
    summary: 'Connect to an MCP server: sign in once in your browser.',
    description:
      'Discovers the server\'s authorization server, registers Latchkey as a client if needed, and opens your browser to sign in. ' +
      'The sign-in URL is printed too, so you can open it yourself if no browser starts (the browser must reach 127.0.0.1 on this machine). ' +
      'The tokens are kept in the vault; press Ctrl-C to cancel.',
    examples: ['latchkey connect https://mcp.example.com/mcp', 'latchkey connect https://mcp.example.com/mcp --scope "files:read files:write" --timeout 600'],
    positionals: ['<mcp-url>'],
    options: {
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
      json: JSON_OPTION,
    },
  },
  parseConnectArgs,
  runConnect,
);
