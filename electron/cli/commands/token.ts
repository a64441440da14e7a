import type { Wallet } from '../../core/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { defineCommand, getFlag, requirePositional, type RawArgs } from '../spec.js';

export interface TokenArgs {
  url: string;
  json: boolean;
  signal: AbortSignal;
}

export function parseTokenArgs(raw: RawArgs): TokenArgs {
  return { url: requirePositional(raw, 0, 'the MCP server URL'), json: getFlag(raw.values, 'json'), signal: raw.signal };
}

/** The only place the CLI prints a secret: the access token, on stdout, for its owner. */
export async function runToken(wallet: Wallet, args: TokenArgs, io: CliIo): Promise<number> {
  const token = await wallet.accessToken(args.url, { signal: args.signal });
  if (args.json) {
    writeJson(io, {
      access_token: token.accessToken,
      token_type: token.tokenType,
      expires_at: Math.floor(token.expiresAt / 1000),
      scope: token.scope.join(' '),
    });
  } else {
    writeLine(io.stdout, token.accessToken);
  }
  return EXIT_OK;
}

export const tokenCommand = defineCommand(
  {
    path: ['token'],
    usage: 'latchkey token <mcp-url> [--json]',
    summary: 'Print a fresh access token for a connected server (credential-helper style).',
    description:
      'Prints only the access token on stdout, refreshing it first if it expires within a minute. ' +
      'With --json prints {"access_token", "token_type", "expires_at" (epoch seconds), "scope" (space-separated)}. ' +
      'Treat the output as a secret.',
    examples: ['latchkey token https://mcp.example.com/mcp', 'curl -H "Authorization: Bearer $(latchkey token https://mcp.example.com/mcp)" …'],
    positionals: ['<mcp-url>'],
    options: { json: { type: 'boolean', description: 'Print the token with expires_at and scope as JSON.' } },
  },
  parseTokenArgs,
  runToken,
);
