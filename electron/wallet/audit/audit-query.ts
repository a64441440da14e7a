/**
 * Audit queries (`latchkey audit`, the window): matching events, oldest first. The log is read
 * newest first, from the end of the newest segment backwards in bounded chunks, so a query with a
 * limit stops as soon as it has that many and reads only the end of the log.
 *
 * A line is checked cheaply before it is parsed: for each field the query names, the line must
 * hold it as the wallet writes it (`"agentId":"…"`, JSON.stringify's form); the first such text is
 * searched for in the bytes, so other lines are not even decoded. Only lines that pass and parse
 * as JSON are compared field by field, and only the matches are validated as events (by the
 * zod-free check of shared/audit-event-check.ts: zod's parse of a thousand events allocates
 * megabytes), so a query returns well-formed events only; torn or foreign lines are skipped, as by parseLine. (A line
 * rewritten by hand in another JSON form, say with spaces, is still listed without a filter and
 * checked by verify, but a filter may pass over it.)
 */
import type { AuditEvent, AuditType } from '../../../shared/agents.js';
import { readAuditEvent } from '../../../shared/audit-event-check.js';
import type { Segment } from './audit-storage.js';
import { visitLines, visitLinesContaining, type BlockVisitor, type LineVisitor } from './line-reader.js';

export interface AuditQuery {
  agentId?: string;
  resource?: string;
  outcome?: AuditEvent['outcome'];
  type?: AuditType;
  /** Epoch ms: events at or after. */
  since?: number;
  /** The newest `limit` matches (still oldest first). */
  limit?: number;
}

/** Whether a parsed line (an event, or any JSON object) has the fields the query asks for. */
export function matches(event: Readonly<Record<string, unknown>>, query: AuditQuery): boolean {
  return (
    (query.agentId === undefined || event['agentId'] === query.agentId) &&
    (query.resource === undefined || event['resource'] === query.resource) &&
    (query.outcome === undefined || event['outcome'] === query.outcome) &&
    (query.type === undefined || event['type'] === query.type) &&
    (query.since === undefined || (typeof event['time'] === 'number' && event['time'] >= query.since))
  );
}

/** The `"key":value` texts a line written by the wallet holds when it matches the query. */
export function needlesOf(query: AuditQuery): string[] {
  const fields: Array<[string, string | undefined]> = [
    ['agentId', query.agentId],
    ['resource', query.resource],
    ['outcome', query.outcome],
    ['type', query.type],
  ];
  return fields.filter((field): field is [string, string] => field[1] !== undefined).map(([key, value]) => `"${key}":${JSON.stringify(value)}`);
}

/** The line's event if it is a well-formed audit event that matches; undefined otherwise. */
function matchingEvent(line: string, query: AuditQuery, needles: readonly string[]): AuditEvent | undefined {
  for (const needle of needles) if (!line.includes(needle)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !matches(raw as Record<string, unknown>, query)) return undefined;
  return readAuditEvent(raw);
}

/** Matching events in `segments` (oldest first, as storage lists them), oldest first; the newest `limit` of them. */
export async function queryAudit(segments: readonly Segment[], query: AuditQuery = {}): Promise<AuditEvent[]> {
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const needles = needlesOf(query);
  const newestFirst: AuditEvent[] = [];
  if (limit <= 0) return newestFirst;
  const visitLine: LineVisitor = (line) => {
    const event = matchingEvent(line, query, needles);
    if (event === undefined) return true;
    newestFirst.push(event);
    return newestFirst.length < limit;
  };
  const first = needles[0] === undefined ? undefined : Buffer.from(needles[0], 'utf8');
  const visitBlock: BlockVisitor = first === undefined ? (block) => visitLines(block, visitLine, 'backward') : (block) => visitLinesContaining(block, first, visitLine);
  for (let i = segments.length - 1; i >= 0; i -= 1) {
    if ((await segments[i]?.forEachBlockBackward(visitBlock)) === false) break;
  }
  return newestFirst.reverse();
}
