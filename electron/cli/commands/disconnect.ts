import type { DisconnectResult } from '../../../shared/connections.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { defineCommand, getFlag, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';

export interface DisconnectArgs {
  url: string;
  json: boolean;
}

export function parseDisconnectArgs(raw: RawArgs): DisconnectArgs {
  return { url: requirePositional(raw, 0, 'the MCP server URL'), json: getFlag(raw.values, 'json') };
}

const REVOCATION_TEXT: Record<DisconnectResult['revocation'], string> = {
  revoked: 'the authorization server revoked the refresh token',
  unsupported: 'the authorization server offers no revocation, so its tokens expire on their own',
  failed: 'the authorization server could not be reached to revoke the refresh token; it expires on its own',
  none: 'there was no refresh token to revoke',
};

export async function runDisconnect(wallet: Wallet, args: DisconnectArgs, io: CliIo): Promise<number> {
  const result = await wallet.disconnect({ url: args.url });
  if (args.json) writeJson(io, result);
  else writeLine(io.stdout, `Disconnected ${result.resource}: ${REVOCATION_TEXT[result.revocation]}. Nothing of it is left in the vault.`);
  return EXIT_OK;
}

export const disconnectCommand = defineCommand(
  {
    path: ['disconnect'],
    usage: 'latchkey disconnect <mcp-url> [--json]',
    summary: 'Revoke a connection at its authorization server and erase it locally.',
    description:
      'Revokes the refresh token (RFC 7009) when the authorization server supports it, then erases the connection and its tokens from the vault, even if the server cannot be reached.',
    examples: ['latchkey disconnect https://mcp.example.com/mcp'],
    positionals: ['<mcp-url>'],
    options: { json: JSON_OPTION },
  },
  parseDisconnectArgs,
  runDisconnect,
);
