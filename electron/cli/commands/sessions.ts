import type { SessionSummary } from '../../../shared/agents.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { formatTimeSpan } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { alignColumns, formatTime } from '../table.js';
import { lookupAgentNames } from './agent.js';

// latchkey sessions

export interface SessionsArgs {
  agent?: string;
  all: boolean;
  json: boolean;
}

export function parseSessionsArgs(raw: RawArgs): SessionsArgs {
  const agent = getString(raw.values, 'agent');
  return { all: getFlag(raw.values, 'all'), json: getFlag(raw.values, 'json'), ...(agent === undefined ? {} : { agent }) };
}

function describeState(session: SessionSummary, now: number): string {
  if (session.endedAt !== undefined) return `ended ${formatTime(session.endedAt)} (${inert(session.endReason ?? 'ended')})`;
  if (session.expiresAt <= now) return 'expired';
  return `expires in ${formatTimeSpan(session.expiresAt - now)}`;
}

export function formatSessions(sessions: readonly SessionSummary[], agentName: (id: string) => string, now: number): string[] {
  const rows = sessions.map((session) => [
    inert(session.id),
    agentName(session.agentId),
    formatTime(session.createdAt),
    describeState(session, now),
    session.pid === undefined ? '-' : String(session.pid),
    inert(session.command ?? '-'),
  ]);
  return alignColumns([['ID', 'AGENT', 'STARTED', 'STATE', 'PID', 'COMMAND'], ...rows]);
}

export async function runSessions(wallet: Wallet, args: SessionsArgs, io: CliIo): Promise<number> {
  const sessions = await wallet.listSessions({
    ...(args.agent === undefined ? {} : { agent: args.agent }),
    ...(args.all ? {} : { active: true }),
  });
  if (args.json) {
    writeInertJson(io, sessions);
  } else if (sessions.length === 0) {
    writeLine(io.stderr, args.all ? 'No sessions.' : 'No active sessions. Start one with: latchkey run --agent <name> -- <command>');
  } else {
    const agentName = await lookupAgentNames(wallet);
    for (const line of formatSessions(sessions, agentName, io.now())) writeLine(io.stdout, line);
  }
  return EXIT_OK;
}

// latchkey session end

export interface SessionEndArgs {
  id: string;
}

export async function runSessionEnd(wallet: Wallet, args: SessionEndArgs, io: CliIo): Promise<number> {
  await wallet.endSession({ id: args.id, reason: 'revoked' });
  writeLine(io.stdout, `Ended session ${inert(args.id)}: its next request is refused.`);
  return EXIT_OK;
}

export const sessionsCommand = defineCommand(
  {
    path: ['sessions'],
    usage: 'latchkey sessions [--agent A] [--all] [--json]',
    summary: 'List agent sessions (running ones unless --all).',
    description:
      'A session is one run of an agent (latchkey run): it has its own short-lived secret and ends when the command exits, when it expires, ' +
      'or when you end it. PID is the latchkey run process the session is bound to: if it dies (killed, crashed), the daemon ends the ' +
      'session within seconds (reason runner-exited). Neither the pid nor the command proves who the agent is.',
    examples: ['latchkey sessions', 'latchkey sessions --agent ci-bot --all --json'],
    positionals: [],
    options: {
      agent: { type: 'string', valueName: 'A', description: 'Only the sessions of this agent (name or id).' },
      all: { type: 'boolean', description: 'Include ended and expired sessions.' },
      json: JSON_OPTION,
    },
  },
  parseSessionsArgs,
  runSessions,
);

export const sessionEndCommand = defineCommand(
  {
    path: ['session', 'end'],
    usage: 'latchkey session end <id>',
    summary: 'End an agent session now.',
    description: 'Revokes the session\'s secret: the agent\'s next request in that session is refused. The agent itself stays enrolled.',
    examples: ['latchkey session end ses_3q2Vd0cXl9sYb1mZkT7wQ4nE8rJ6uA5h'],
    positionals: ['<id>'],
    options: {},
  },
  (raw): SessionEndArgs => ({ id: requirePositional(raw, 0, 'the session id') }),
  runSessionEnd,
);
