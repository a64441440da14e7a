/** Who asked for a hand-out, as the Activity log shows it under the agent (T40). */
import type { AuditEvent } from '../../../shared/agents.js';

/** "ses_child ← ses_parent ← claude-code ← owner alice": who asked, innermost first, ending with the human owner; empty when not recorded. */
export function chainLine(entry: Pick<AuditEvent, 'chain' | 'owner'>): string {
  const chain = entry.chain ?? [];
  if (chain.length === 0) return entry.owner === undefined ? '' : `owner ${entry.owner}`;
  if (entry.owner === undefined) return chain.join(' ← ');
  if (chain.at(-1) === 'owner') return [...chain.slice(0, -1), `owner ${entry.owner}`].join(' ← ');
  return `${chain.join(' ← ')} (owner ${entry.owner})`;
}
