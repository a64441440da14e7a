/**
 * `latchkey agent credentials`: gives an agent a client of its own at an MCP server's
 * authorization server (protocol.md R5), so it gets tokens with the client credentials grant, with
 * no browser and no owner sign-in. A secret is read from stdin, never from the command line; with
 * --key Latchkey generates the key pair, keeps the private key in the vault and prints the public
 * JWK (stdout, alone) for the administrator to register. With --workload-token-file or
 * --workload-token-env the agent is a workload identity (R6): the wallet keeps where the platform
 * token is, reads it at every grant and redeems it with the JWT-bearer grant.
 */
import path from 'node:path';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { readSecret } from '../prompt.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const KEY_ALGORITHMS = ['ES256', 'RS256'] as const;
type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export interface AgentCredentialsArgs {
  agent: string;
  server: string;
  /** Required but for a workload identity. */
  clientId: string | undefined;
  credential: { secretFromStdin: true } | { key: KeyAlgorithm } | { workloadTokenFile: string } | { workloadTokenEnv: string };
  json: boolean;
}

function isKeyAlgorithm(value: string): value is KeyAlgorithm {
  return (KEY_ALGORITHMS as readonly string[]).includes(value);
}

export function parseAgentCredentialsArgs(raw: RawArgs): AgentCredentialsArgs {
  const agent = requirePositional(raw, 0, 'the agent name or id');
  const server = getString(raw.values, 'server');
  const clientId = getString(raw.values, 'client-id')?.trim();
  const tokenFile = getString(raw.values, 'workload-token-file');
  const tokenEnv = getString(raw.values, 'workload-token-env');
  const workload = tokenFile !== undefined || tokenEnv !== undefined;
  if (server === undefined || (!workload && (clientId === undefined || clientId === ''))) {
    throw new UsageError('agent credentials needs --server and --client-id.', 'For example: latchkey agent credentials ci-bot --server https://mcp.example.com/mcp --client-id ci-bot --key');
  }
  const secretFromStdin = getFlag(raw.values, 'client-secret-stdin');
  const keyText = getString(raw.values, 'key-alg');
  const wantsKey = getFlag(raw.values, 'key') || keyText !== undefined;
  if ([secretFromStdin, wantsKey, tokenFile !== undefined, tokenEnv !== undefined].filter(Boolean).length !== 1) {
    throw new UsageError(
      'Give the agent one credential: a secret, a key or a workload token source.',
      'Pass --client-secret-stdin (client_secret_basic), --key (private_key_jwt), --workload-token-file PATH or --workload-token-env VAR (workload identity).',
    );
  }
  if (keyText !== undefined && !isKeyAlgorithm(keyText)) {
    throw new UsageError(`--key-alg "${inert(keyText)}" is not supported.`, `Use one of: ${KEY_ALGORITHMS.join(', ')}.`);
  }
  if (tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(tokenEnv)) {
    throw new UsageError(`--workload-token-env "${inert(tokenEnv)}" is not an environment variable name.`, 'Give the name of the variable, not its value: --workload-token-env CI_OIDC_TOKEN.');
  }
  const credential =
    tokenFile !== undefined
      ? { workloadTokenFile: path.resolve(tokenFile) }
      : tokenEnv !== undefined
        ? { workloadTokenEnv: tokenEnv }
        : secretFromStdin
          ? ({ secretFromStdin: true } as const)
          : { key: keyText ?? 'ES256' };
  return { agent, server, clientId: clientId === '' ? undefined : clientId, credential, json: getFlag(raw.values, 'json') };
}

export async function runAgentCredentials(wallet: Wallet, args: AgentCredentialsArgs, io: CliIo): Promise<number> {
  const credential =
    'key' in args.credential
      ? { generateKey: args.credential.key }
      : 'secretFromStdin' in args.credential
        ? { clientSecret: await readSecret(io, 'client secret') }
        : args.credential;
  const { client, publicJwk } = await wallet.setAgentClient({ agent: args.agent, server: args.server, ...(args.clientId === undefined ? {} : { clientId: args.clientId }), ...credential });
  if (client.method === 'workload_token') {
    const presented = client.clientId === '' ? 'with no client' : `as client ${inert(client.clientId)}`;
    writeLine(io.stderr, `Agent ${inert(args.agent)} is now a workload identity at ${inert(client.issuer)} for ${inert(client.resource)}: its token is read from the ${inert(client.workloadSource ?? '')} at every grant and presented ${presented}.`);
  } else {
    writeLine(io.stderr, `Agent ${inert(args.agent)} now has its own client ${inert(client.clientId)} at ${inert(client.issuer)} for ${inert(client.resource)} (${client.method}).`);
  }
  if (args.json) {
    writeInertJson(io, { client, ...(publicJwk === undefined ? {} : { publicJwk }) });
  } else if (publicJwk !== undefined) {
    writeLine(io.stderr, `Register this public key (kid ${inert(client.keyThumbprint ?? '')}) for the client at the authorization server; the private key stays in the vault:`);
    writeLine(io.stdout, JSON.stringify({ keys: [publicJwk] }));
  }
  writeLine(io.stderr, 'The agent still needs a grant for the server: latchkey grant add.');
  return EXIT_OK;
}

export const agentCredentialsCommand = defineCommand(
  {
    path: ['agent', 'credentials'],
    usage:
      'latchkey agent credentials <name|id> --server URL (--client-id ID (--client-secret-stdin | --key [--key-alg ES256|RS256]) | [--client-id ID] (--workload-token-file PATH | --workload-token-env VAR)) [--json]',
    summary: "Give an agent its own client at a server's authorization server (client credentials).",
    description:
      'The agent then gets its tokens for that server with the client credentials grant: no browser, no owner sign-in, ' +
      'still only under its grants, cached and audited like every hand-out. A secret (client_secret_basic) is read from stdin; ' +
      'with --key Latchkey generates a key pair (private_key_jwt), keeps the private key in the vault and prints the public ' +
      'JWK set on stdout for the administrator to register. With --workload-token-file or --workload-token-env the agent is a workload ' +
      'identity: its platform-issued token (CI, cloud) is redeemed with the JWT-bearer grant, no registration needed (--client-id only ' +
      'if the authorization server wants one). The wallet keeps where the token is, never the token, and reads it at every grant, so ' +
      'a rotated token is picked up; the variable is read in the process that runs the wallet (the daemon or the host), not in yours.',
    examples: [
      'printf %s "$SECRET" | latchkey agent credentials ci-bot --server https://mcp.example.com/mcp --client-id ci-bot --client-secret-stdin',
      'latchkey agent credentials ci-bot --server https://mcp.example.com/mcp --client-id ci-bot --key > ci-bot.jwks.json',
      'latchkey agent credentials ci-bot --server https://mcp.example.com/mcp --workload-token-file /var/run/secrets/tokens/mcp-token',
    ],
    positionals: ['<name|id>'],
    options: {
      server: { type: 'string', valueName: 'URL', description: 'The MCP server the client is for (its authorization server is discovered).' },
      'client-id': { type: 'string', valueName: 'ID', description: 'The client id the authorization server knows the agent by (required but for a workload identity).' },
      'client-secret-stdin': { type: 'boolean', description: 'Read the client secret from stdin (a prompt on a terminal).' },
      key: { type: 'boolean', description: 'Generate a key pair for private_key_jwt and print its public JWK set.' },
      'key-alg': { type: 'string', valueName: 'ALG', description: 'The key algorithm with --key: ES256 (default) or RS256.' },
      'workload-token-file': { type: 'string', valueName: 'PATH', description: "A workload identity: the file the platform writes its token to (read at every grant)." },
      'workload-token-env': {
        type: 'string',
        valueName: 'VAR',
        description: "A workload identity: the environment variable holding the platform token, read in the wallet's process (daemon or host).",
      },
      json: JSON_OPTION,
    },
  },
  parseAgentCredentialsArgs,
  runAgentCredentials,
);
