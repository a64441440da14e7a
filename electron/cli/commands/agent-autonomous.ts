/**
 * `latchkey agent add NAME --autonomous`: the agent, its own client at the server's authorization
 * server and its grant for the server, in one step (protocol.md R5). The client is a secret read
 * from stdin or a generated key for a client id the administrator gave (--client-id), or a
 * generated key registered by dynamic client registration (--register). If a step fails the wallet
 * undoes the earlier ones. The agent's secret goes to stdout alone, as for every `agent add`.
 */
import type { AddAutonomousAgentParams } from '../../../shared/api.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { readSecret } from '../prompt.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { getFlag, getString, getStrings, type OptionSpec, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const KEY_ALGORITHMS = ['ES256', 'RS256'] as const;
type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The options `agent add` takes for an autonomous agent. */
export const AUTONOMOUS_OPTIONS = {
  autonomous: { type: 'boolean', description: 'Set the agent up to run unattended with a client of its own at --server (no browser, no owner sign-in).' },
  server: { type: 'string', valueName: 'URL', description: 'With --autonomous: the MCP server (its authorization server is discovered).' },
  scope: { type: 'string', multiple: true, valueName: 'S', description: "With --autonomous: a scope to grant (repeatable). Default: the server's advertised scopes." },
  'client-id': { type: 'string', valueName: 'ID', description: 'With --autonomous: the client id the administrator registered for the agent.' },
  'client-secret-stdin': { type: 'boolean', description: 'With --client-id: read the client secret from stdin (client_secret_basic).' },
  key: { type: 'boolean', description: 'With --client-id: generate a key pair (private_key_jwt); hand its public key to the administrator.' },
  'key-alg': { type: 'string', valueName: 'ALG', description: 'The generated key\'s algorithm: ES256 (default) or RS256.' },
  register: { type: 'boolean', description: 'With --autonomous: register a client for a generated key by dynamic client registration.' },
} satisfies Record<string, OptionSpec>;

export interface AutonomousAddArgs {
  name: string;
  server: string;
  scopes: string[];
  client: { clientId: string; secretFromStdin: true } | { clientId: string; key: KeyAlgorithm } | { register: true; key: KeyAlgorithm };
  json: boolean;
}

function isKeyAlgorithm(value: string): value is KeyAlgorithm {
  return (KEY_ALGORITHMS as readonly string[]).includes(value);
}

const EXAMPLE = 'latchkey agent add ci-bot --autonomous --server https://mcp.example.com/mcp --register';

/** The autonomous options of `agent add`, checked together; `name` is already valid. */
export function parseAutonomousAddArgs(raw: RawArgs, name: string): AutonomousAddArgs {
  const server = getString(raw.values, 'server');
  if (server === undefined) throw new UsageError('agent add --autonomous needs --server.', `For example: ${EXAMPLE}`);
  const kind = getString(raw.values, 'kind');
  if (kind !== undefined && kind !== 'autonomous') throw new UsageError(`--autonomous and --kind ${inert(kind)} contradict each other.`, 'Leave --kind out.');
  const clientId = getString(raw.values, 'client-id')?.trim();
  const register = getFlag(raw.values, 'register');
  const secretFromStdin = getFlag(raw.values, 'client-secret-stdin');
  const keyText = getString(raw.values, 'key-alg');
  if (keyText !== undefined && !isKeyAlgorithm(keyText)) {
    throw new UsageError(`--key-alg "${inert(keyText)}" is not supported.`, `Use one of: ${KEY_ALGORITHMS.join(', ')}.`);
  }
  const key: KeyAlgorithm = keyText ?? 'ES256';
  const wantsKey = getFlag(raw.values, 'key') || keyText !== undefined;
  const scopes = [...new Set(getStrings(raw.values, 'scope').flatMap((s) => s.split(/\s+/u)).filter((s) => s !== ''))];
  const json = getFlag(raw.values, 'json');
  if (register === (clientId !== undefined && clientId !== '')) {
    throw new UsageError('Give the agent a client id from its administrator, or register one: one of them.', 'Pass --client-id ID (with --client-secret-stdin or --key), or --register.');
  }
  if (register) {
    if (secretFromStdin) throw new UsageError('--register uses a generated key, not a secret.', 'Leave --client-secret-stdin out.');
    return { name, server, scopes, client: { register: true, key }, json };
  }
  if (secretFromStdin === wantsKey) {
    throw new UsageError('Give the agent a secret or a key, one of them.', 'Pass --client-secret-stdin (client_secret_basic) or --key (private_key_jwt).');
  }
  const id = clientId ?? '';
  return { name, server, scopes, client: secretFromStdin ? { clientId: id, secretFromStdin: true } : { clientId: id, key }, json };
}

async function paramsOf(args: AutonomousAddArgs, io: CliIo): Promise<AddAutonomousAgentParams> {
  const base = { name: args.name, server: args.server, ...(args.scopes.length === 0 ? {} : { scopes: args.scopes }) };
  if ('register' in args.client) return { ...base, register: true, generateKey: args.client.key };
  if ('key' in args.client) return { ...base, clientId: args.client.clientId, generateKey: args.client.key };
  return { ...base, clientId: args.client.clientId, clientSecret: await readSecret(io, 'client secret') };
}

/** One result: what was set up on stderr, the agent's secret alone on stdout (or everything as JSON). */
export async function runAutonomousAdd(wallet: Wallet, args: AutonomousAddArgs, io: CliIo): Promise<number> {
  const added = await wallet.addAutonomousAgent(await paramsOf(args, io));
  const { agent, client, grant } = added;
  const key = client.keyThumbprint === undefined ? '' : `, key ${inert(client.keyThumbprint)}`;
  writeLine(io.stderr, `Added autonomous agent ${inert(agent.name)} (${inert(agent.id)}).`);
  writeLine(io.stderr, `  own client: ${inert(client.clientId)} at ${inert(client.issuer)} (${client.method}${key})${'register' in args.client ? ', registered by DCR' : ''}`);
  writeLine(io.stderr, `  grant:      ${inert(grant.resource)}  scopes ${grant.scopes.map(inert).join(' ')}  [allow]`);
  if (added.verified) {
    writeLine(io.stderr, '  checked:    the authorization server issued the client a token.');
  } else if (added.publicJwk !== undefined) {
    writeLine(io.stderr, `  not checked yet: register this public key (kid ${inert(client.keyThumbprint ?? '')}) for ${inert(client.clientId)} at the authorization server;`);
    writeLine(io.stderr, `  the private key stays in the vault. The key again, alone: latchkey agent jwks ${inert(agent.name)}`);
    writeLine(io.stderr, `  ${inert(JSON.stringify({ keys: [added.publicJwk] }))}`);
  }
  if (args.json) {
    writeInertJson(io, added);
    return EXIT_OK;
  }
  writeLine(io.stderr, 'Its secret follows on stdout: store it now; it is not shown again (Latchkey keeps only a hash).');
  writeLine(io.stdout, added.secret);
  return EXIT_OK;
}
