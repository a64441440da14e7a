import { AgentKind, AgentName, type AgentSummary } from '../../../shared/agents.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { formatTimeSpan } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { alignColumns, formatTime } from '../table.js';
import { UsageError } from '../usage-error.js';

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
}

export function parseAgentAddArgs(raw: RawArgs): AgentAddArgs {
  const name = requirePositional(raw, 0, 'the agent name');
  if (!AgentName.safeParse(name).success) {
    throw new UsageError(
      `"${inert(name)}" is not a valid agent name.`,
      'Use up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit, e.g. ci-bot.',
    );
  }
  const kindText = getString(raw.values, 'kind');
  const kind = kindText === undefined ? undefined : AgentKind.safeParse(kindText);
  if (kind !== undefined && !kind.success) {
    throw new UsageError(`--kind "${inert(kindText ?? '')}" is not an agent kind.`, `Use one of: ${AgentKind.options.join(', ')}.`);
  }
  return { name, json: getFlag(raw.values, 'json'), ...(kind === undefined ? {} : { kind: kind.data }) };
}

/** The secret goes to stdout alone (so `> file` captures just it); the warning to stderr. */
export async function runAgentAdd(wallet: Wallet, args: AgentAddArgs, io: CliIo): Promise<number> {
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

export type AgentListEntry = AgentSummary & { activeSessions: number };

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
  const [agents, sessions] = await Promise.all([wallet.listAgents(), wallet.listSessions({ active: true })]);
  const entries: AgentListEntry[] = agents.map((agent) => ({
    ...agent,
    activeSessions: sessions.filter((session) => session.agentId === agent.id).length,
  }));
  if (args.json) writeInertJson(io, entries);
  else if (entries.length === 0) writeLine(io.stderr, 'No agents yet. Enrol one with: latchkey agent add <name>');
  else for (const line of formatAgents(entries, io.now())) writeLine(io.stdout, line);
  return EXIT_OK;
}

// latchkey agent remove

export interface AgentRemoveArgs {
  agent: string;
}

export async function runAgentRemove(wallet: Wallet, args: AgentRemoveArgs, io: CliIo): Promise<number> {
  const agent = await wallet.removeAgent({ agent: args.agent });
  writeLine(io.stdout, `Removed agent ${inert(agent.name)} (${inert(agent.id)}): its grants were revoked and its sessions ended.`);
  return EXIT_OK;
}

export const agentAddCommand = defineCommand(
  {
    path: ['agent', 'add'],
    usage: 'latchkey agent add <name> [--kind interactive|autonomous] [--json]',
    summary: 'Enrol an agent and print its secret, once.',
    description:
      'Creates an agent identity and prints its secret on stdout, alone, so it can be redirected to a file or a secret store. ' +
      'Latchkey keeps only a hash: the secret is never shown again. The agent gets no tokens until you grant it a server ' +
      '(latchkey grant add) or approve its requests. With --json prints {"agent", "secret"}.',
    examples: ['latchkey agent add ci-bot --kind autonomous > ci-bot.secret', 'latchkey agent add claude-code'],
    positionals: ['<name>'],
    options: {
      kind: {
        type: 'string',
        valueName: 'KIND',
        description: 'interactive (a person is at hand to approve) or autonomous (runs unattended). Default: interactive.',
      },
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
    description: 'Shows each agent\'s name, id, kind, when it was enrolled and last seen, and how many sessions it has running. Never prints a secret.',
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
    description: 'The agent\'s secret stops working at once; its next request is refused. Its audit entries are kept.',
    examples: ['latchkey agent remove ci-bot'],
    positionals: ['<name|id>'],
    options: {},
  },
  (raw): AgentRemoveArgs => ({ agent: requirePositional(raw, 0, 'the agent name or id') }),
  runAgentRemove,
);
