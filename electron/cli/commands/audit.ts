/**
 * `latchkey audit` (query), `latchkey audit verify` and `latchkey audit export`: one command with
 * an optional action word, because a group word (args.ts) cannot also be a command by itself.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Id, type AuditEvent } from '../../../shared/agents.js';
import type { AuditFilter, AuditSegmentVerification, AuditVerification } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { parseTimeSpec, resolveTime, type TimeSpec } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, toInertJson, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, type OptionValues, type RawArgs } from '../spec.js';
import { alignColumns, fitColumns, formatTime, type ColumnFit } from '../table.js';
import { UsageError } from '../usage-error.js';

const OUTCOMES = ['ok', 'denied', 'error'] as const;
type Outcome = (typeof OUTCOMES)[number];
const MAX_LIMIT = 100_000;
const FILTER_OPTIONS = ['agent', 'since', 'resource', 'outcome', 'limit'] as const;

export interface AuditQuery {
  agent?: string;
  since?: TimeSpec;
  resource?: string;
  outcome?: Outcome;
  limit?: number;
}

export type AuditArgs =
  | { action: 'list'; query: AuditQuery; json: boolean }
  | { action: 'verify' }
  | { action: 'export'; query: AuditQuery; out?: string };

function parseQuery(values: OptionValues): AuditQuery {
  const agent = getString(values, 'agent');
  const since = getString(values, 'since');
  const resource = getString(values, 'resource');
  const outcome = getString(values, 'outcome');
  const limit = getString(values, 'limit');
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new UsageError(`--outcome "${inert(outcome)}" is not an outcome.`, `Use one of: ${OUTCOMES.join(', ')}.`);
  }
  if (limit !== undefined && (!/^\d+$/u.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) {
    throw new UsageError(`--limit "${inert(limit)}" is not a number between 1 and ${MAX_LIMIT}.`, 'For example: --limit 50.');
  }
  return {
    ...(agent === undefined ? {} : { agent }),
    ...(since === undefined ? {} : { since: parseTimeSpec(since, 'since') }),
    ...(resource === undefined ? {} : { resource }),
    ...(outcome === undefined ? {} : { outcome: outcome as Outcome }),
    ...(limit === undefined ? {} : { limit: Number(limit) }),
  };
}

function refuseOptions(values: OptionValues, names: readonly string[], action: string): void {
  const given = names.find((name) => values[name] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} does not apply to "latchkey ${action}".`, 'Run "latchkey audit --help" to see which options go with which form.');
}

export function parseAuditArgs(raw: RawArgs): AuditArgs {
  const action = raw.positionals[0];
  if (action === undefined) {
    refuseOptions(raw.values, ['out'], 'audit');
    return { action: 'list', query: parseQuery(raw.values), json: getFlag(raw.values, 'json') };
  }
  if (action === 'verify') {
    refuseOptions(raw.values, [...FILTER_OPTIONS, 'out', 'json'], 'audit verify');
    return { action: 'verify' };
  }
  if (action === 'export') {
    refuseOptions(raw.values, ['json'], 'audit export');
    const out = getString(raw.values, 'out');
    return { action: 'export', query: parseQuery(raw.values), ...(out === undefined ? {} : { out }) };
  }
  throw new UsageError(`Unknown audit action "${inert(action)}".`, 'Use latchkey audit, latchkey audit verify or latchkey audit export.');
}

/** --agent takes a name or an id; an id is used as is, so a removed agent's events stay findable. */
async function resolveAgentId(wallet: Wallet, agent: string): Promise<string> {
  if (Id.safeParse(agent).success) return agent;
  const match = (await wallet.listAgents()).find((candidate) => candidate.name === agent);
  if (match === undefined) {
    throw new LatchkeyError(ErrorCode.AgentNotFound, `There is no agent named "${inert(agent)}".`, {
      hint: 'A removed agent\'s events are filed under its id: pass --agent agt_… (see latchkey audit --json).',
    });
  }
  return match.id;
}

async function toFilter(wallet: Wallet, query: AuditQuery, now: number): Promise<AuditFilter> {
  return {
    ...(query.agent === undefined ? {} : { agentId: await resolveAgentId(wallet, query.agent) }),
    ...(query.since === undefined ? {} : { since: resolveTime(query.since, now, 'ago') }),
    ...(query.resource === undefined ? {} : { resource: query.resource }),
    ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
  };
}

/** Until when a token is valid at its server (T38): a hand-out's expiry, or what a revocation could not revoke. */
function tokenValidity(event: AuditEvent): string | undefined {
  if (event.tokenExpiresAt === undefined) return undefined;
  return event.type === 'grant.revoked' ? `(valid at the server until ${formatTime(event.tokenExpiresAt)})` : `(expires ${formatTime(event.tokenExpiresAt)})`;
}

/** TIME, SEQ and OUTCOME stay whole; names, servers, scopes, reasons and fingerprints give way. */
const AUDIT_FITS: ReadonlyArray<ColumnFit | undefined> = [
  undefined,
  undefined,
  { elide: 'end', minWidth: 10 },
  undefined,
  { elide: 'end', minWidth: 7 },
  { elide: 'middle', minWidth: 17 },
  { elide: 'end', minWidth: 7 },
  { elide: 'end', minWidth: 8 },
  { elide: 'middle', minWidth: 5 },
];

/** Whether a chain says more than the agent's name: a delegated session, or the agent's own client. */
function showsChain(chain: readonly string[] | undefined): boolean {
  return chain !== undefined && (chain.length > 3 || chain.some((link) => link.startsWith('own-client:')));
}

/** One aligned line per event, fitted to `width` columns; tokens appear only as fingerprints. */
export function formatAuditEvents(events: readonly AuditEvent[], width?: number): string[] {
  const rows = events.map((event) => [
    formatTime(event.time),
    String(event.seq),
    inert(event.type),
    inert(event.outcome),
    // A delegated session's hand-out, or one from the agent's own client, shows its chain, innermost first
    // (sub-session ← session ← agent [← own-client:ID] ← owner) (T40, R5).
    showsChain(event.chain) ? (event.chain ?? []).map(inert).join(' ← ') : inert(event.agentName ?? event.agentId ?? '-'),
    inert(event.resource ?? '-'),
    event.scopes === undefined || event.scopes.length === 0 ? '-' : event.scopes.map(inert).join(' '),
    inert([event.reason, event.actor === undefined ? undefined : `by ${event.actor}`, event.owner === undefined ? undefined : `owner ${event.owner}`, event.count === undefined ? undefined : `×${event.count}`, tokenValidity(event)].filter((part) => part !== undefined).join(' ') || '-'),
    inert(event.tokenFingerprint ?? '-'),
  ]);
  return fitColumns([['TIME', 'SEQ', 'TYPE', 'OUTCOME', 'AGENT', 'SERVER', 'SCOPES', 'REASON', 'TOKEN'], ...rows], width, AUDIT_FITS);
}

const PROBLEMS: Record<Extract<AuditVerification, { ok: false }>['problem'], string> = {
  changed: 'was changed after it was written',
  removed: 'follows an entry that was removed',
  reordered: 'is out of order',
  malformed: 'cannot be read',
};

/** One line per segment: its file, its seqs, its entries and what verify found there (T37). */
export function formatSegments(segments: readonly AuditSegmentVerification[]): string[] {
  const rows = segments.map((segment) => [
    inert(segment.file),
    segment.firstSeq === undefined ? '-' : `${segment.firstSeq}-${segment.lastSeq ?? segment.firstSeq}`,
    String(segment.count),
    segment.ok
      ? 'intact'
      : segment.problem === 'missing' || segment.problem === undefined
        ? 'MISSING: the file is gone'
        : `BROKEN at seq ${segment.seq ?? '?'}: that entry ${PROBLEMS[segment.problem]}`,
  ]);
  return alignColumns([['SEGMENT', 'SEQS', 'ENTRIES', 'RESULT'], ...rows]);
}

async function runVerify(wallet: Wallet, io: CliIo): Promise<number> {
  const result = await wallet.verifyAudit();
  const segments = result.segments ?? [];
  if (segments.length > 1) for (const line of formatSegments(segments)) writeLine(io.stdout, line);
  if (!result.ok) {
    const broken = segments.find((segment) => !segment.ok);
    const what = broken?.problem === 'missing' ? `the segment ${inert(broken.file)} is missing` : `that entry ${PROBLEMS[result.problem]}`;
    throw new LatchkeyError(ErrorCode.AuditTampered, `The audit chain is broken at seq ${result.seq}: ${what}.`, {
      hint: 'Keep the log as it is and look into it: latchkey audit export --out audit.jsonl saves a copy.',
      details: { seq: result.seq, problem: result.problem, ...(broken === undefined ? {} : { segment: broken.file }) },
    });
  }
  const across = segments.length > 1 ? ` in ${segments.length} segments` : '';
  writeLine(io.stdout, `${result.count} ${result.count === 1 ? 'entry' : 'entries'}${across}, chain intact.`);
  return EXIT_OK;
}

/** Creates or truncates `path` as 0600 (also when it existed), refusing to follow a symlink. */
async function writePrivateFile(path: string, text: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
    throw new LatchkeyError(ErrorCode.InvalidInput, `Could not write ${inert(path)} (${inert(code)}).`, {
      hint: 'Choose a path in a directory you can write to; a symlink is not followed.',
      cause: error,
    });
  } finally {
    await handle?.close();
  }
}

async function runExport(wallet: Wallet, args: Extract<AuditArgs, { action: 'export' }>, io: CliIo): Promise<number> {
  const events = await wallet.queryAudit(await toFilter(wallet, args.query, io.now()));
  const text = events.map((event) => `${toInertJson(event)}\n`).join('');
  if (args.out === undefined) {
    io.stdout.write(text);
  } else {
    await writePrivateFile(args.out, text);
    writeLine(io.stderr, `Wrote ${events.length} audit ${events.length === 1 ? 'entry' : 'entries'} to ${inert(args.out)}.`);
  }
  return EXIT_OK;
}

export async function runAudit(wallet: Wallet, args: AuditArgs, io: CliIo): Promise<number> {
  if (args.action === 'verify') return runVerify(wallet, io);
  if (args.action === 'export') return runExport(wallet, args, io);
  const events = await wallet.queryAudit(await toFilter(wallet, args.query, io.now()));
  if (args.json) writeInertJson(io, events);
  else if (events.length === 0) writeLine(io.stderr, 'No audit events match.');
  else for (const line of formatAuditEvents(events, io.columns?.())) writeLine(io.stdout, line);
  return EXIT_OK;
}

export const auditCommand = defineCommand(
  {
    path: ['audit'],
    usage:
      'latchkey audit [--agent A] [--since T] [--resource R] [--outcome ok|denied|error] [--limit N] [--json]\n' +
      '       latchkey audit verify\n' +
      '       latchkey audit export [--out FILE] [filters]',
    summary: 'Show, verify or export the audit log of every token hand-out and decision.',
    description:
      'Every hand-out, refusal, approval, decision, revoke, refresh and enrolment is recorded in a hash-chained, append-only log: ' +
      'time, agent, session, server, scopes, outcome, reason and the token\'s fingerprint (never the token). ' +
      'The log is kept in segments of 8 MiB (audit.jsonl, audit.000001.jsonl, …); the chain runs across them. ' +
      '"audit verify" checks the chain through every segment, lists each segment when there are several, and names the first changed or removed entry or missing segment (exit 1). ' +
      'Refusals of callers that did not authenticate are counted and written once a minute as one entry with a count (×N). ' +
      '"audit export" writes JSON Lines, one event per line, to stdout or to a new 0600 file with --out; it takes the same filters. ' +
      'T is an ISO time or a duration ago such as 1h or 7d.',
    examples: ['latchkey audit --agent ci-bot --since 1h', 'latchkey audit --outcome denied --json', 'latchkey audit verify', 'latchkey audit export --out audit.jsonl'],
    positionals: ['[verify|export]'],
    optionalPositionals: 1,
    options: {
      agent: { type: 'string', valueName: 'A', description: 'Only events of this agent (name, or id for a removed agent).' },
      since: { type: 'string', valueName: 'T', description: 'Only events at or after T: an ISO time or a duration ago (90s, 15m, 1h, 7d).' },
      resource: { type: 'string', valueName: 'R', description: 'Only events for this MCP server URL.' },
      outcome: { type: 'string', valueName: 'OUTCOME', description: 'Only events with this outcome: ok, denied or error.' },
      limit: { type: 'string', valueName: 'N', description: `At most N events (1 to ${MAX_LIMIT}).` },
      out: { type: 'string', valueName: 'FILE', description: 'audit export: write to FILE (created 0600) instead of stdout.' },
      json: JSON_OPTION,
    },
  },
  parseAuditArgs,
  runAudit,
);
