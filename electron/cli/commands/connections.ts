import type { ConnectionSummary } from '../../../shared/connections.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, formatDuration, writeJson } from '../output.js';
import { defineCommand, getFlag, JSON_OPTION, type RawArgs } from '../spec.js';

export interface ConnectionsArgs {
  json: boolean;
}

export function parseConnectionsArgs(raw: RawArgs): ConnectionsArgs {
  return { json: getFlag(raw.values, 'json') };
}

/** T8: a labelled account's connection says which account it is; the default account says nothing. */
function accountLabel(connection: ConnectionSummary): string {
  return connection.account === undefined ? '' : ` (account: ${connection.account})`;
}

function describeToken(connection: ConnectionSummary, now: number): string {
  const expiresAt = connection.accessTokenExpiresAt;
  const access =
    expiresAt === undefined ? 'no access token cached' : expiresAt > now ? `access token valid for ${formatDuration(expiresAt - now)}` : 'access token expired';
  return `${access}; ${connection.hasRefreshToken ? 'refresh token held' : 'no refresh token'}`;
}

/** T9: a server that answered without a token; nobody signed in (after its first 401 to an agent, the owner signs in). */
function formatOpenConnection(connection: ConnectionSummary): string[] {
  const status = connection.status === 'ok' ? 'connected — no sign-in needed yet' : 'the server now asks for a sign-in: run "latchkey connect" again';
  return [
    `${connection.resource}  [${status}]`,
    '  sign-in: when the server first answers 401, with the scopes it asks for',
    `  since:   ${new Date(connection.connectedAt).toISOString()}`,
  ];
}

export function formatConnections(connections: ConnectionSummary[], now: number): string[] {
  const lines: string[] = [];
  for (const connection of connections) {
    if (connection.access === 'open-until-401') {
      lines.push(...formatOpenConnection(connection));
      continue;
    }
    const status = connection.status === 'ok' ? 'ok' : 'needs re-auth: run "latchkey connect" again';
    lines.push(`${connection.resource}${accountLabel(connection)}  [${status}]`);
    if (connection.account !== undefined) lines.push(`  account: ${connection.account} (--account ${connection.account})`);
    lines.push(`  issuer:  ${connection.issuer}`);
    lines.push(`  client:  ${connection.clientId} (${connection.registration})`);
    lines.push(`  scopes:  ${connection.scopes.length === 0 ? '(none)' : connection.scopes.join(' ')}`);
    lines.push(`  tokens:  ${describeToken(connection, now)}`);
    if (connection.sendResource === false) {
      lines.push('  resource: not sent (--no-resource: its authorization server rejects it; the MCP spec requires it)');
    }
    if (connection.callbackPort !== undefined) lines.push(`  callback: 127.0.0.1:${connection.callbackPort} (fixed, --callback-port)`);
    if (connection.signIn !== undefined) lines.push(`  sign-in: ${connection.signIn} (--${connection.signIn}; --browser goes back)`);
    if (connection.managedBy === 'enterprise') lines.push('  sign-in: enterprise-managed (tokens from your identity provider sign-in: latchkey enterprise status)');
    lines.push(`  since:   ${new Date(connection.connectedAt).toISOString()}`);
  }
  return lines;
}

export async function runConnections(wallet: Wallet, args: ConnectionsArgs, io: CliIo): Promise<number> {
  const connections = await wallet.listConnections();
  if (args.json) {
    writeJson(io, connections);
    return EXIT_OK;
  }
  if (connections.length === 0) {
    writeLine(io.stderr, 'No connections yet. Add one with: latchkey connect <mcp-url>');
    return EXIT_OK;
  }
  for (const line of formatConnections(connections, io.now())) writeLine(io.stdout, line);
  return EXIT_OK;
}

export const connectionsCommand = defineCommand(
  {
    path: ['connections'],
    usage: 'latchkey connections [--json]',
    summary: 'List your connections and the state of their tokens.',
    description:
      'Shows each MCP server you connected, its account label when you connected more than one account (--account), its authorization server, client, scopes and token state. Never prints a token.',
    examples: ['latchkey connections', 'latchkey connections --json'],
    positionals: [],
    options: { json: JSON_OPTION },
  },
  parseConnectionsArgs,
  runConnections,
);
