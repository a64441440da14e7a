import type { Approval } from '../../../shared/agents.js';
import { describeRequester } from '../../../shared/requester.js';
import { isRememberable, urlFacts } from '../../../shared/url-facts.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { formatCompactDuration, formatTimeSpan } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';
import { fitColumns, type ColumnFit } from '../table.js';

// latchkey approvals

export interface ApprovalsArgs {
  all: boolean;
  json: boolean;
}

function describeExpiry(approval: Approval, now: number): string {
  if (approval.status !== 'pending') return '-';
  return approval.expiresAt > now ? formatTimeSpan(approval.expiresAt - now) : 'now';
}

/**
 * The scopes asked for; for a step-up what the AGENT can use now (its grant as far as the
 * connection holds it) → what it will hold after approval (e.g. "files:read → files:read
 * files:write"; "(none)" when it has no grant).
 */
export function describeScopes(approval: Approval): string {
  const scopes = approval.scopes === undefined || approval.scopes.length === 0 ? '-' : approval.scopes.map(inert).join(' ');
  if (approval.kind !== 'step-up' || approval.currentScopes === undefined) return scopes;
  const current = approval.currentScopes.length === 0 ? '(none)' : approval.currentScopes.map(inert).join(' ');
  return `${current} → ${scopes}`;
}

/** The id stays whole (it is what `latchkey approve` takes); agent, server and scopes give way. */
function approvalFits(withStatus: boolean): Array<ColumnFit | undefined> {
  return [undefined, undefined, ...(withStatus ? [undefined] : []), { elide: 'end', minWidth: 6 }, { elide: 'middle', minWidth: 12 }, { elide: 'end', minWidth: 8 }, undefined, undefined];
}

export function formatApprovals(approvals: readonly Approval[], now: number, withStatus: boolean, width?: number): string[] {
  const rows = approvals.map((approval) => [
    inert(approval.id),
    inert(approval.kind),
    ...(withStatus ? [inert(approval.status)] : []),
    inert(approval.agentName),
    inert(approval.resource ?? '-'),
    describeScopes(approval),
    approval.lifetimeSeconds === undefined ? '-' : formatCompactDuration(approval.lifetimeSeconds * 1000),
    describeExpiry(approval, now),
  ]);
  const header = ['ID', 'KIND', ...(withStatus ? ['STATUS'] : []), 'AGENT', 'SERVER', 'SCOPES', 'LIFETIME', 'EXPIRES IN'];
  return fitColumns([header, ...rows], width, approvalFits(withStatus));
}

/**
 * What the owner must read before approving a page (E3, T21), below the table: the full URL, the
 * site it really goes to, every warning, and the server's message — all as inert text.
 */
export function formatPages(approvals: readonly Approval[]): string[] {
  const lines: string[] = [];
  for (const approval of approvals) {
    if (approval.url === undefined || (approval.kind !== 'url-elicitation' && approval.kind !== 'elicitation-retry')) continue;
    const facts = urlFacts(approval.url, { server: approval.resource });
    lines.push('', `${inert(approval.id)}  ${approval.kind === 'url-elicitation' ? 'asks you to open' : 'waits for you to finish on'}:`);
    lines.push(`  page:    ${inert(approval.url)}`);
    if (facts !== undefined) lines.push(`  site:    ${inert(facts.site)}${facts.host === facts.site ? '' : ` (${inert(facts.host)})`}`);
    for (const warning of facts?.warnings ?? []) lines.push(`  warning: ${inert(warning.text)}`);
    if (approval.message !== undefined) lines.push(`  message: ${inert(approval.message)}`);
  }
  if (lines.length > 0) {
    lines.push('', 'latchkey approve <id> opens the page in your browser (--remember: always allow that site for that server,');
    lines.push('only offered for pages without warnings); latchkey deny <id> declines. Latchkey has not visited the page.');
  }
  return lines;
}

/**
 * Which process asks to enrol (T32), below the table: "pid 1234 · /usr/bin/node · cwd /home/x",
 * or "requester unknown" — as inert text.
 */
export function formatRequesters(approvals: readonly Approval[]): string[] {
  const lines: string[] = [];
  for (const approval of approvals) {
    if (approval.kind !== 'enrolment') continue;
    lines.push('', `${inert(approval.id)}  ${inert(approval.agentName)} asks to enrol; requested by:`, `  ${inert(describeRequester(approval.requester))}`);
  }
  if (lines.length > 0) lines.push('', 'Approve an enrolment only if you just started that program yourself.');
  return lines;
}

export async function runApprovals(wallet: Wallet, args: ApprovalsArgs, io: CliIo): Promise<number> {
  const approvals = await wallet.listApprovals(args.all ? {} : { status: 'pending' });
  if (args.json) writeInertJson(io, approvals);
  else if (approvals.length === 0) writeLine(io.stderr, args.all ? 'No approvals.' : 'No pending approvals.');
  else {
    for (const line of formatApprovals(approvals, io.now(), args.all, io.columns?.())) writeLine(io.stdout, line);
    for (const line of formatPages(approvals.filter((a) => a.status === 'pending'))) writeLine(io.stdout, line);
    for (const line of formatRequesters(approvals.filter((a) => a.status === 'pending'))) writeLine(io.stdout, line);
  }
  return EXIT_OK;
}

// latchkey approve / deny

export interface DecideArgs {
  id: string;
  remember: boolean;
}

/** "consent for ci-bot on https://… (files:read)": what was decided, in one line. */
export function describeApproval(approval: Approval): string {
  const scopes = approval.scopes === undefined || approval.scopes.length === 0 ? '' : ` (${describeScopes(approval)})`;
  const server = approval.resource === undefined ? '' : ` on ${inert(approval.resource)}`;
  return `${inert(approval.kind)} for ${inert(approval.agentName)}${server}${scopes}`;
}

function outcomeLine(approval: Approval, decision: 'approve' | 'deny'): string {
  const expected = decision === 'approve' ? 'approved' : 'denied';
  const what = `${inert(approval.id)}: ${describeApproval(approval)}`;
  if (approval.status !== expected) return `Approval ${what} is ${inert(approval.status)}; nothing changed.`;
  return `${decision === 'approve' ? 'Approved' : 'Denied'} ${what}.`;
}

export async function runDecide(wallet: Wallet, decision: 'approve' | 'deny', args: DecideArgs, io: CliIo): Promise<number> {
  const approval = await wallet.decideApproval({ id: args.id, decision, ...(args.remember ? { remember: true } : {}) });
  writeLine(io.stdout, outcomeLine(approval, decision));
  if (approval.remembered === true) {
    const site = approval.kind === 'url-elicitation' && approval.url !== undefined ? urlFacts(approval.url, { server: approval.resource }) : undefined;
    if (site === undefined) writeLine(io.stdout, 'Remembered as a grant: see latchkey grant list.');
    else if (isRememberable(site)) writeLine(io.stdout, `Pages on ${inert(site.site)} from this server now open without asking: see latchkey sites.`);
    else writeLine(io.stdout, 'Not remembered: Latchkey only remembers sites for pages without warnings.');
  }
  return EXIT_OK;
}

const ID_EXAMPLE = 'apr_Qm7Lx2Vb9Nc4Zr8Tk1Hs5Wd3Jf6Gp0Ey';

export const approvalsCommand = defineCommand(
  {
    path: ['approvals'],
    usage: 'latchkey approvals [--all] [--json]',
    summary: 'List agent requests waiting for your decision.',
    description:
      'An agent that asks for a token it has no grant for, an unknown program asking to enrol, or a server asking for more scopes raises ' +
      'an approval. Decide with latchkey approve <id> or latchkey deny <id>; undecided approvals are denied when they expire.',
    examples: ['latchkey approvals', 'latchkey approvals --all --json'],
    positionals: [],
    options: { all: { type: 'boolean', description: 'Include decided and expired approvals.' }, json: JSON_OPTION },
  },
  (raw: RawArgs): ApprovalsArgs => ({ all: getFlag(raw.values, 'all'), json: getFlag(raw.values, 'json') }),
  runApprovals,
);

export const approveCommand = defineCommand(
  {
    path: ['approve'],
    usage: 'latchkey approve <id> [--remember]',
    summary: 'Approve a pending request.',
    description:
      'The waiting agent gets its answer at once. With --remember a consent becomes a grant, so the same request is allowed from now on ' +
      '(see latchkey grant list); without it only this request is allowed. Approving a step-up signs you in again in the browser ' +
      'with the wider scopes and adds them to the agent\'s grant, with or without --remember. Approving a page opens it in your ' +
      'browser; with --remember, later pages on the same site from the same server open without asking (pages without warnings only).',
    examples: [`latchkey approve ${ID_EXAMPLE}`, `latchkey approve ${ID_EXAMPLE} --remember`],
    positionals: ['<id>'],
    options: { remember: { type: 'boolean', description: 'Create a grant so the same request is allowed next time.' } },
  },
  (raw: RawArgs): DecideArgs => ({ id: requirePositional(raw, 0, 'the approval id'), remember: getFlag(raw.values, 'remember') }),
  (wallet, args, io) => runDecide(wallet, 'approve', args, io),
);

export const denyCommand = defineCommand(
  {
    path: ['deny'],
    usage: 'latchkey deny <id>',
    summary: 'Deny a pending request.',
    description:
      'The waiting agent is refused at once; the decision is recorded in the audit log. A denied step-up is remembered: the same agent ' +
      'is refused those scopes (alone or with others) on that server without asking again, until you widen its grant.',
    examples: [`latchkey deny ${ID_EXAMPLE}`],
    positionals: ['<id>'],
    options: {},
  },
  (raw: RawArgs): DecideArgs => ({ id: requirePositional(raw, 0, 'the approval id'), remember: false }),
  (wallet, args, io) => runDecide(wallet, 'deny', args, io),
);
