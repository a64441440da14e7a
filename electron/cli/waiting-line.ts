/**
 * The line an agent-side command (`latchkey token`, `latchkey run`, `latchkey mcp`) prints on
 * stderr while it waits for the owner: which approval, for what, where to decide and how long is
 * left. Each approval is announced once; a new one (e.g. a step-up after a consent) gets its own line.
 */
import type { PendingApproval } from '../../shared/bridge.js';
import type { WaitingListener } from '../agent/bridge-client/approval-watch.js';
import { writeLine, type OutputStream } from './io.js';
import { sanitizeForTerminal } from './sanitize.js';

function describeWhat(approval: PendingApproval): string {
  const scopes = approval.scopes === undefined || approval.scopes.length === 0 ? '' : approval.scopes.join(' ');
  switch (approval.kind) {
    case 'consent':
      return scopes === '' ? '' : `, scopes ${scopes}`;
    case 'step-up':
      return scopes === '' ? ', more scopes' : `, more scopes: ${scopes}`;
    case 'url-elicitation':
      return ', to open a page the server asks for';
    case 'elicitation-retry':
      return ', to retry once you are done on the page';
  }
}

/** m:ss until `expiresAtSeconds`, never negative. */
export function formatTimeLeft(expiresAtSeconds: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round(expiresAtSeconds - nowMs / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function formatWaitingLine(prefix: string, approval: PendingApproval, nowMs: number): string {
  const target = approval.resource === undefined ? '' : ` → ${approval.resource}`;
  const line =
    `${prefix}: waiting for your approval ${approval.id} (${approval.agent_name}${target}${describeWhat(approval)}): ` +
    `decide in the Latchkey window or with \`latchkey approve ${approval.id}\` — ${formatTimeLeft(approval.expires_at, nowMs)} left`;
  return sanitizeForTerminal(line);
}

/** A WaitingListener that writes one line per approval not announced before. */
export function announceWaiting(stderr: OutputStream, prefix: string, now: () => number = Date.now): WaitingListener {
  const announced = new Set<string>();
  return (approvals) => {
    for (const approval of approvals) {
      if (announced.has(approval.id)) continue;
      announced.add(approval.id);
      writeLine(stderr, formatWaitingLine(prefix, approval, now()));
    }
  };
}
