import type { DisconnectResult } from '../../../shared/connections.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { ACCOUNT_OPTION, parseAccount } from '../account-option.js';
import { defineCommand, getFlag, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';

export interface DisconnectArgs {
  url: string;
  /** --account: which of your accounts on the server (T8); undefined: its default or only one. */
  account: string | undefined;
  json: boolean;
}

export function parseDisconnectArgs(raw: RawArgs): DisconnectArgs {
  return { url: requirePositional(raw, 0, 'the MCP server URL'), account: parseAccount(raw), json: getFlag(raw.values, 'json') };
}

const REVOCATION_TEXT: Record<DisconnectResult['revocation'], string> = {
  revoked: 'the authorization server revoked the refresh token',
  unsupported: 'the authorization server offers no revocation, so its tokens expire on their own',
  failed: 'the authorization server could not be reached to revoke the refresh token; it expires on its own',
  none: 'there was no refresh token to revoke',
};

export async function runDisconnect(wallet: Wallet, args: DisconnectArgs, io: CliIo): Promise<number> {
  const result = await wallet.disconnect({ url: args.url, ...(args.account === undefined ? {} : { account: args.account }) });
  const as = result.account === undefined ? '' : ` (account "${result.account}")`;
  if (args.json) writeJson(io, result);
  else writeLine(io.stdout, `Disconnected ${result.resource}${as}: ${REVOCATION_TEXT[result.revocation]}. Nothing of it is left in the vault.`);
  return EXIT_OK;
}

export const disconnectCommand = defineCommand(
  {
    path: ['disconnect'],
    usage: 'latchkey disconnect <mcp-url> [--account LABEL] [--json]',
    summary: 'Revoke a connection at its authorization server and erase it locally.',
    description:
      'Revokes the refresh token (RFC 7009) when the authorization server supports it, then erases the connection and its tokens from the vault, even if the server cannot be reached. ' +
      'With more than one account on the server, --account names which one goes; the others stay.',
    examples: ['latchkey disconnect https://mcp.example.com/mcp', 'latchkey disconnect https://mcp.example.com/mcp --account work'],
    positionals: ['<mcp-url>'],
    options: { account: ACCOUNT_OPTION, json: JSON_OPTION },
  },
  parseDisconnectArgs,
  runDisconnect,
);
