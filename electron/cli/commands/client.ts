import type { ClientSummary, PreRegisteredClient } from '../../../shared/api.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK, writeJson } from '../output.js';
import { readSecret } from '../prompt.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];

function isAuthMethod(value: string): value is AuthMethod {
  return (AUTH_METHODS as readonly string[]).includes(value);
}

export interface ClientAddArgs {
  issuer: string;
  clientId: string;
  secretFromStdin: boolean;
  authMethod?: AuthMethod;
}

export function parseClientAddArgs(raw: RawArgs): ClientAddArgs {
  const issuer = requirePositional(raw, 0, 'the issuer URL');
  const clientId = getString(raw.values, 'client-id');
  if (clientId === undefined || clientId.trim() === '') {
    throw new UsageError('client add needs --client-id.', 'For example: latchkey client add https://as.example.com --client-id my-client');
  }
  const method = getString(raw.values, 'auth-method');
  if (method !== undefined && !isAuthMethod(method)) {
    throw new UsageError(`--auth-method "${method}" is not supported.`, `Use one of: ${AUTH_METHODS.join(', ')}.`);
  }
  const secretFromStdin = getFlag(raw.values, 'client-secret-stdin');
  if (method === 'none' && secretFromStdin) {
    throw new UsageError('--auth-method none takes no client secret.', 'Drop --client-secret-stdin, or choose client_secret_basic.');
  }
  if (method !== undefined && method !== 'none' && !secretFromStdin) {
    throw new UsageError(`--auth-method ${method} needs a client secret.`, 'Pass --client-secret-stdin and pipe the secret in.');
  }
  return { issuer, clientId: clientId.trim(), secretFromStdin, ...(method === undefined ? {} : { authMethod: method }) };
}

export async function runClientAdd(wallet: Wallet, args: ClientAddArgs, io: CliIo): Promise<number> {
  const client: PreRegisteredClient = { issuer: args.issuer, clientId: args.clientId };
  if (args.secretFromStdin) client.clientSecret = await readSecret(io, 'client secret');
  if (args.authMethod !== undefined) client.tokenEndpointAuthMethod = args.authMethod;
  await wallet.setClient(client);
  const method = args.authMethod ?? (client.clientSecret === undefined ? 'none' : 'client_secret_basic');
  writeLine(io.stdout, `Saved client ${args.clientId} for ${args.issuer} (token endpoint auth: ${method}).`);
  return EXIT_OK;
}

export interface ClientListArgs {
  json: boolean;
}

export function formatClients(clients: ClientSummary[]): string[] {
  return clients.map(
    (client) => `${client.issuer}  ${client.clientId}  (${client.registration}${client.hasSecret ? ', with secret' : ''})`,
  );
}

export async function runClientList(wallet: Wallet, args: ClientListArgs, io: CliIo): Promise<number> {
  const clients = await wallet.listClients();
  if (args.json) writeJson(io, clients);
  else if (clients.length === 0) writeLine(io.stderr, 'No clients yet. Latchkey registers one when you connect, or add yours with: latchkey client add');
  else for (const line of formatClients(clients)) writeLine(io.stdout, line);
  return EXIT_OK;
}

export interface ClientRemoveArgs {
  issuer: string;
}

export async function runClientRemove(wallet: Wallet, args: ClientRemoveArgs, io: CliIo): Promise<number> {
  const removed = await wallet.removeClient({ issuer: args.issuer });
  if (!removed) {
    throw new LatchkeyError(ErrorCode.ClientNotFound, `There is no client for ${args.issuer}.`, {
      hint: 'See the clients Latchkey knows with: latchkey client list',
    });
  }
  writeLine(io.stdout, `Removed the client for ${args.issuer}.`);
  return EXIT_OK;
}

export const clientAddCommand = defineCommand(
  {
    path: ['client', 'add'],
    usage: 'latchkey client add <issuer> --client-id ID [--client-secret-stdin] [--auth-method METHOD]',
    summary: 'Use a client you registered with an authorization server yourself.',
    description:
      'Some authorization servers offer neither dynamic registration nor client metadata documents: register Latchkey there ' +
      '(redirect URI http://127.0.0.1 with any port) and give Latchkey the client id. A secret is read from stdin, never from the command line, and kept in the vault.',
    examples: [
      'latchkey client add https://auth.example.com --client-id latchkey-desktop',
      'printf %s "$SECRET" | latchkey client add https://auth.example.com --client-id my-app --client-secret-stdin',
    ],
    positionals: ['<issuer>'],
    options: {
      'client-id': { type: 'string', valueName: 'ID', description: 'The client id the authorization server gave you (required).' },
      'client-secret-stdin': {
        type: 'boolean',
        description: 'Read the client secret from stdin (a prompt on a terminal).',
      },
      'auth-method': {
        type: 'string',
        valueName: 'METHOD',
        description: `Token endpoint authentication: ${AUTH_METHODS.join(', ')} (default: client_secret_basic with a secret, none without).`,
      },
    },
  },
  parseClientAddArgs,
  runClientAdd,
);

export const clientListCommand = defineCommand(
  {
    path: ['client', 'list'],
    usage: 'latchkey client list [--json]',
    summary: 'List the clients Latchkey uses, per authorization server.',
    description: 'Shows pre-registered clients and the registrations Latchkey made itself. Never prints a client secret.',
    examples: ['latchkey client list', 'latchkey client list --json'],
    positionals: [],
    options: { json: JSON_OPTION },
  },
  (raw): ClientListArgs => ({ json: getFlag(raw.values, 'json') }),
  runClientList,
);

export const clientRemoveCommand = defineCommand(
  {
    path: ['client', 'remove'],
    usage: 'latchkey client remove <issuer>',
    summary: 'Forget the client for an authorization server.',
    description: 'Removes the client (and its secret) Latchkey uses with this issuer. The next connect registers again or asks for a client id.',
    examples: ['latchkey client remove https://auth.example.com'],
    positionals: ['<issuer>'],
    options: {},
  },
  (raw): ClientRemoveArgs => ({ issuer: requirePositional(raw, 0, 'the issuer URL') }),
  runClientRemove,
);
