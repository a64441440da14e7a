/**
 * The hash chain of the audit log: each event's hash covers the previous event's hash and the
 * event itself (canonical JSON, without `hash`), so a changed, removed or reordered entry breaks
 * the chain. The last entry is anchored elsewhere (the vault), so cutting the tail shows too.
 */
import { createHash } from 'node:crypto';
import { AuditEvent } from '../../../shared/agents.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditHead {
  seq: number;
  hash: string;
}

export type VerifyProblem = 'changed' | 'removed' | 'reordered' | 'malformed';
export type VerifyResult = { ok: true; count: number } | { ok: false; seq: number; problem: VerifyProblem };

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 hex over prevHash + canonical JSON of the event without its `hash` member. */
export function hashEvent(prevHash: string, event: Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = event;
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalJson(rest), 'utf8').digest('hex');
}

export interface ParsedLine {
  /** The JSON exactly as stored (what the hash covers). */
  raw: Record<string, unknown>;
  event: AuditEvent;
}

/** Parses one line; undefined when it is not a valid audit event. */
export function parseLine(line: string): ParsedLine | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const parsed = AuditEvent.safeParse(raw);
  return parsed.success ? { raw: raw as Record<string, unknown>, event: parsed.data } : undefined;
}

/**
 * Walks the log line by line (second pass: `seqs` holds every parseable seq from a first pass, so
 * a missing entry can be told apart from a moved one). Feed it lines, then call finish().
 */
export class ChainVerifier {
  private expected = 0;
  private prevHash = GENESIS_HASH;
  private last: AuditHead | undefined;
  private count = 0;
  private problem: VerifyResult | undefined;

  constructor(
    private readonly seqs: ReadonlySet<number>,
    /** Heads known from elsewhere (the anchor, this process's own writes): the log must reach them. */
    private readonly known: readonly AuditHead[],
  ) {}

  get failed(): boolean {
    return this.problem !== undefined;
  }

  /** Checks one non-empty line; false once a problem is found. */
  feed(line: string): boolean {
    if (this.problem !== undefined) return false;
    const parsed = parseLine(line);
    if (parsed === undefined) return this.fail(this.expected, 'malformed');
    const { raw, event } = parsed;
    if (hashEvent(event.prevHash, raw) !== event.hash) return this.fail(this.expected, 'changed');
    if (event.seq < this.expected) return this.fail(event.seq, 'reordered');
    if (event.seq > this.expected) return this.fail(this.expected, this.seqs.has(this.expected) ? 'reordered' : 'removed');
    if (event.prevHash !== this.prevHash) return this.fail(Math.max(0, event.seq - 1), 'changed');
    for (const head of this.known) {
      if (head.seq === event.seq && head.hash !== event.hash) return this.fail(event.seq, 'changed');
    }
    this.prevHash = event.hash;
    this.last = { seq: event.seq, hash: event.hash };
    this.expected = event.seq + 1;
    this.count += 1;
    return true;
  }

  finish(): VerifyResult {
    if (this.problem !== undefined) return this.problem;
    const reach = Math.max(-1, ...this.known.map((head) => head.seq));
    // Entries the anchor or this process know of are missing from the end (tail truncation).
    if (reach > (this.last?.seq ?? -1)) return { ok: false, seq: (this.last?.seq ?? -1) + 1, problem: 'removed' };
    return { ok: true, count: this.count };
  }

  private fail(seq: number, problem: VerifyProblem): false {
    this.problem = { ok: false, seq, problem };
    return false;
  }
}
