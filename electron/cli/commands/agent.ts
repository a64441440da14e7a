import { AgentKind, AgentName, type AgentSummary } from '../../../shared/agents.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { formatTimeSpan } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { alignColumns, formatTime } from '../table.js';
import { UsageError } from '../usage-error.js';
import { AUTONOMOUS_OPTIONS, parseAutonomousAddArgs, runAutonomousAdd, type AutonomousAddArgs } from './agent-autonomous.js';
import type { OwnerResult } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

type AgentClientSummary = OwnerResult<'listAgentClients'>[number];

/** id → display name for every enrolled agent; unknown ids (removed agents) show as the id. */
export async function lookupAgentNames(wallet: Wallet): Promise<(agentId: string) => string> {
  const names = new Map((await wallet.listAgents()).map((agent) => [agent.id, agent.name]));
  return (agentId) => inert(names.get(agentId) ?? agentId);
}

// latchkey agent add

export interface AgentAddArgs {
  name: string;
  kind?: AgentKind;
  json: boolean;
  /** --autonomous: its own client and grant too (agent-autonomous.ts). */
  autonomous?: AutonomousAddArgs;
}

export function parseAgentAddArgs(raw: RawArgs): AgentAddArgs {
  const name = requirePositional(raw, 0, 'the agent name');
  if (!AgentName.safeParse(name).success) {
    throw new UsageError(
      `"${inert(name)}" is not a valid agent name.`,
      'Use up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit, e.g. ci-bot.',
    );
  }
  if (getFlag(raw.values, 'autonomous')) return { name, json: getFlag(raw.values, 'json'), autonomous: parseAutonomousAddArgs(raw, name) };
  const kindText = getString(raw.values, 'kind');
  const kind = kindText === undefined ? undefined : AgentKind.safeParse(kindText);
  if (kind !== undefined && !kind.success) {
    throw new UsageError(`--kind "${inert(kindText ?? '')}" is not an agent kind.`, `Use one of: ${AgentKind.options.join(', ')}.`);
  }
  return { name, json: getFlag(raw.values, 'json'), ...(kind === undefined ? {} : { kind: kind.data }) };
}

/** The secret goes to stdout alone (so `> file` captures just it); the warning to stderr. */
export async function runAgentAdd(wallet: Wallet, args: AgentAddArgs, io: CliIo): Promise<number> {
  if (args.autonomous !== undefined) return runAutonomousAdd(wallet, args.autonomous, io);
  const { agent, secret } = await wallet.enrolAgent({ name: args.name, kind: args.kind });
  writeLine(io.stderr, `Enrolled agent ${inert(agent.name)} (${inert(agent.id)}, ${inert(agent.kind)}).`);
  writeLine(io.stderr, 'Its secret follows on stdout: store it now; it is not shown again (Latchkey keeps only a hash).');
  if (args.json) writeInertJson(io, { agent, secret });
  else writeLine(io.stdout, secret);
  return EXIT_OK;
}

// latchkey agent list

export interface AgentListArgs {
  json: boolean;
}

export type AgentListEntry = AgentSummary & { activeSessions: number; ownClients?: AgentClientSummary[] };

/** An agent's own clients (R5): server, method, issuer, client id and key thumbprint; never a secret. */
export function formatOwnClients(clients: readonly AgentClientSummary[], agentName: (id: string) => string): string[] {
  const rows = clients.map((client) => [
    agentName(client.agentId),
    inert(client.resource),
    client.method,
    inert(client.issuer),
    inert(client.clientId),
    client.keyThumbprint === undefined ? '-' : inert(client.keyThumbprint),
  ]);
  return alignColumns([['AGENT', 'SERVER', 'METHOD', 'ISSUER', 'CLIENT ID', 'KEY THUMBPRINT'], ...rows]);
}

export function formatAgents(agents: readonly AgentListEntry[], now: number): string[] {
  const rows = agents.map((agent) => [
    inert(agent.name),
    inert(agent.id),
    inert(agent.kind),
    formatTime(agent.createdAt),
    agent.lastSeenAt === undefined ? 'never' : `${formatTimeSpan(now - agent.lastSeenAt)} ago`,
    String(agent.activeSessions),
  ]);
  return alignColumns([['NAME', 'ID', 'KIND', 'CREATED', 'LAST SEEN', 'SESSIONS'], ...rows]);
}

export async function runAgentList(wallet: Wallet, args: AgentListArgs, io: CliIo): Promise<number> {
  const [agents, sessions, clients] = await Promise.all([wallet.listAgents(), wallet.listSessions({ active: true }), wallet.listAgentClients({})]);
  const entries: AgentListEntry[] = agents.map((agent) => {
    const own = clients.filter((client) => client.agentId === agent.id);
    return { ...agent, activeSessions: sessions.filter((session) => session.agentId === agent.id).length, ...(own.length === 0 ? {} : { ownClients: own }) };
  });
  if (args.json) writeInertJson(io, entries);
  else if (entries.length === 0) writeLine(io.stderr, 'No agents yet. Enrol one with: latchkey agent add <name>');
  else {
    for (const line of formatAgents(entries, io.now())) writeLine(io.stdout, line);
    if (clients.length > 0) {
      const names = new Map(agents.map((agent) => [agent.id, inert(agent.name)]));
      writeLine(io.stdout, '');
      writeLine(io.stdout, 'Own clients:');
      for (const line of formatOwnClients(clients, (id) => names.get(id) ?? inert(id))) writeLine(io.stdout, `  ${line}`);
    }
  }
  return EXIT_OK;
}

// latchkey agent remove

export interface AgentRemoveArgs {
  agent: string;
}

export async function runAgentRemove(wallet: Wallet, args: AgentRemoveArgs, io: CliIo): Promise<number> {
  const own = await wallet.listAgentClients({ agent: args.agent });
  const agent = await wallet.removeAgent({ agent: args.agent });
  writeLine(io.stdout, `Removed agent ${inert(agent.name)} (${inert(agent.id)}): its grants were revoked and its sessions ended.`);
  if (own.length > 0) {
    const what = own.length === 1 ? 'Its own client and its key were' : `Its ${own.length} own clients and their keys were`;
    writeLine(io.stdout, `${what} deleted from the vault; their tokens were revoked where the authorization server can (see latchkey audit).`);
  }
  return EXIT_OK;
}

// latchkey agent show

export interface AgentShowArgs {
  agent: string;
  json: boolean;
}

export async function runAgentShow(wallet: Wallet, args: AgentShowArgs, io: CliIo): Promise<number> {
  const agent = (await wallet.listAgents()).find((candidate) => candidate.id === args.agent || candidate.name === args.agent);
  if (agent === undefined) {
    throw new LatchkeyError(ErrorCode.AgentNotFound, `No agent "${inert(args.agent.slice(0, 64))}" is enrolled.`, { hint: 'See agents with `latchkey agent list`.' });
  }
  const [sessions, grants, clients] = await Promise.all([
    wallet.listSessions({ agent: agent.id, active: true }),
    wallet.listGrants({ agent: agent.id }),
    wallet.listAgentClients({ agent: agent.id }),
  ]);
  if (args.json) {
    writeInertJson(io, { agent, activeSessions: sessions.length, grants, ownClients: clients });
    return EXIT_OK;
  }
  const now = io.now();
  writeLine(io.stdout, `${inert(agent.name)}  (${inert(agent.id)}, ${inert(agent.kind)})`);
  writeLine(io.stdout, `  created:    ${formatTime(agent.createdAt)}`);
  writeLine(io.stdout, `  last seen:  ${agent.lastSeenAt === undefined ? 'never' : `${formatTimeSpan(now - agent.lastSeenAt)} ago`}`);
  writeLine(io.stdout, `  sessions:   ${sessions.length} active`);
  writeLine(io.stdout, `  grants:     ${grants.length === 0 ? 'none' : grants.map((grant) => `${inert(grant.resource)} (${grant.scopes.map(inert).join(' ') || 'no scopes'})`).join(', ')}`);
  if (clients.length === 0) {
    writeLine(io.stdout, '  own clients: none');
  } else {
    writeLine(io.stdout, '  own clients:');
    for (const line of formatOwnClients(clients, () => inert(agent.name))) writeLine(io.stdout, `    ${line}`);
  }
  return EXIT_OK;
}

export const agentAddCommand = defineCommand(
  {
    path: ['agent', 'add'],
    usage:
      'latchkey agent add <name> [--kind interactive|autonomous] [--json]\n' +
      '       latchkey agent add <name> --autonomous --server URL [--scope S ...] (--client-id ID (--client-secret-stdin | --key [--key-alg ES256|RS256]) | --register) [--json]',
    summary: 'Enrol an agent and print its secret, once.',
    description:
      'Creates an agent identity and prints its secret on stdout, alone, so it can be redirected to a file or a secret store. ' +
      'Latchkey keeps only a hash: the secret is never shown again. The agent gets no tokens until you grant it a server ' +
      '(latchkey grant add) or approve its requests. With --json prints {"agent", "secret"}. ' +
      "With --autonomous it also gives the agent a client of its own at the server's authorization server and a grant for the server, " +
      'in one step: a secret from stdin or a generated key for the client id its administrator gave, or a generated key registered ' +
      "by dynamic client registration (--register). Scopes: those given, or the server's advertised ones. A secret or a registered key is " +
      'tried once (one token request); if any step fails nothing is left behind. With --json prints {"agent", "secret", "client", "grant", "publicJwk", "verified"}.',
    examples: [
      'latchkey agent add ci-bot --kind autonomous > ci-bot.secret',
      'latchkey agent add claude-code',
      'latchkey agent add nightly --autonomous --server https://mcp.example.com/mcp --register > nightly.secret',
      'latchkey agent add nightly --autonomous --server https://mcp.example.com/mcp --client-id nightly --key --scope notes:read',
    ],
    positionals: ['<name>'],
    options: {
      kind: {
        type: 'string',
        valueName: 'KIND',
        description: 'interactive (a person is at hand to approve) or autonomous (runs unattended). Default: interactive.',
      },
      ...AUTONOMOUS_OPTIONS,
      json: JSON_OPTION,
    },
  },
  parseAgentAddArgs,
  runAgentAdd,
);

export const agentListCommand = defineCommand(
  {
    path: ['agent', 'list'],
    usage: 'latchkey agent list [--json]',
    summary: 'List enrolled agents.',
    description:
      "Shows each agent's name, id, kind, when it was enrolled and last seen, and how many sessions it has running, then the agents' own clients " +
      '(server, method, issuer, client id, key thumbprint). Never prints a secret or a key.',
    examples: ['latchkey agent list', 'latchkey agent list --json'],
    positionals: [],
    options: { json: JSON_OPTION },
  },
  (raw): AgentListArgs => ({ json: getFlag(raw.values, 'json') }),
  runAgentList,
);

export const agentRemoveCommand = defineCommand(
  {
    path: ['agent', 'remove'],
    usage: 'latchkey agent remove <name|id>',
    summary: 'Remove an agent: revoke its grants and end its sessions.',
    description:
      "The agent's secret stops working at once; its next request is refused. Its own clients and their keys are deleted from the vault, " +
      'and the tokens they were issued revoked where the authorization server has a revocation endpoint. Its audit entries are kept.',
    examples: ['latchkey agent remove ci-bot'],
    positionals: ['<name|id>'],
    options: {},
  },
  (raw): AgentRemoveArgs => ({ agent: requirePositional(raw, 0, 'the agent name or id') }),
  runAgentRemove,
);

export const agentShowCommand = defineCommand(
  {
    path: ['agent', 'show'],
    usage: 'latchkey agent show <name|id> [--json]',
    summary: 'Show one agent: its sessions, grants and own clients.',
    description: "The agent's kind, when it was enrolled and last seen, its active sessions, its grants and its own clients (method, issuer, key thumbprint). Never prints a secret or a key.",
    examples: ['latchkey agent show ci-bot'],
    positionals: ['<name|id>'],
    options: { json: JSON_OPTION },
  },
  (raw): AgentShowArgs => ({ agent: requirePositional(raw, 0, 'the agent name or id'), json: getFlag(raw.values, 'json') }),
  runAgentShow,
);
