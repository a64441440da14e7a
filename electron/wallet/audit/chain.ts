/**
 * The hash chain of the audit log: each event's hash covers the previous event's hash and the
 * event itself (canonical JSON, without `hash`), so a changed, removed or reordered entry breaks
 * the chain. The last entry is anchored elsewhere (the vault), so cutting the tail shows too.
 */
import { hash } from 'node:crypto';
import { AuditEvent } from '../../../shared/agents.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditHead {
  seq: number;
  hash: string;
}

export type VerifyProblem = 'changed' | 'removed' | 'reordered' | 'malformed';
export type ChainResult = { ok: true; count: number } | { ok: false; seq: number; problem: VerifyProblem };

/**
 * Where a walk starts: the seq and prevHash the first line must have (the log's start, or the end
 * of the segment before), or `any` (after a break: take the first entry's own, to check the rest).
 */
export type ChainStart = { seq: number; prevHash: string } | { any: true; seq: number };

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += `${i === 0 ? '' : ','}${canonicalJson(value[i] === undefined ? null : value[i])}`;
    return `${out}]`;
  }
  if (typeof value === 'object' && value !== null) return canonicalObject(value as Record<string, unknown>);
  return JSON.stringify(value);
}

/** An object's canonical JSON, leaving out `skip` too; keys sorted by UTF-16 code units. */
function canonicalObject(value: Record<string, unknown>, skip?: string): string {
  let out = '{';
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member === undefined || key === skip) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/** sha256 hex over prevHash + `canonical` (an event's canonical JSON without `hash`), in one call. */
export function hashCanonical(prevHash: string, canonical: string): string {
  return hash('sha256', `${prevHash}${canonical}`, 'hex');
}

/** sha256 hex over prevHash + canonical JSON of the event without its `hash` member. */
export function hashEvent(prevHash: string, event: Record<string, unknown>): string {
  return hashCanonical(prevHash, canonicalObject(event, 'hash'));
}

/**
 * The stored line (without its newline) of an event whose canonical JSON without `hash` is
 * `canonical`: the same text with `hash` added last. JSON.parse of it gives the event, and its
 * canonical JSON without `hash` is `canonical` again, so the line verifies (as lines in any key
 * order do: verify hashes the canonical form of what it parsed).
 */
export function lineOfCanonical(canonical: string, eventHash: string): string {
  const members = canonical.slice(0, -1);
  return `${members}${members.length === 1 ? '' : ','}"hash":${JSON.stringify(eventHash)}}`;
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
  private expected: number;
  private prevHash: string | undefined;
  private lastHead: AuditHead | undefined;
  private firstSeq: number | undefined;
  private count = 0;
  private problem: Extract<ChainResult, { ok: false }> | undefined;

  constructor(
    private readonly seqs: ReadonlySet<number>,
    /** Heads known from elsewhere (the anchor, this process's own writes): the log must reach them. */
    private readonly known: readonly AuditHead[],
    start: ChainStart = { seq: 0, prevHash: GENESIS_HASH },
  ) {
    this.expected = start.seq;
    this.prevHash = 'any' in start ? undefined : start.prevHash;
  }

  get failed(): boolean {
    return this.problem !== undefined;
  }

  /** The first problem found, if any. */
  get failure(): Extract<ChainResult, { ok: false }> | undefined {
    return this.problem;
  }

  /** Lines checked and found in order. */
  get checked(): number {
    return this.count;
  }

  /** The seq of the first entry checked. */
  get first(): number | undefined {
    return this.firstSeq;
  }

  /** The last entry checked, where the next walk continues. */
  get last(): AuditHead | undefined {
    return this.lastHead;
  }

  /** Checks one non-empty line; false once a problem is found. */
  feed(line: string): boolean {
    if (this.problem !== undefined) return false;
    const parsed = parseLine(line);
    if (parsed === undefined) return this.fail(this.expected, 'malformed');
    const { raw, event } = parsed;
    if (hashEvent(event.prevHash, raw) !== event.hash) return this.fail(this.expected, 'changed');
    if (this.prevHash === undefined) {
      // Starting anywhere: this entry sets where the walk is.
      this.expected = event.seq;
      this.prevHash = event.prevHash;
    }
    if (event.seq < this.expected) return this.fail(event.seq, 'reordered');
    if (event.seq > this.expected) return this.fail(this.expected, this.seqs.has(this.expected) ? 'reordered' : 'removed');
    if (event.prevHash !== this.prevHash) return this.fail(Math.max(0, event.seq - 1), 'changed');
    for (const head of this.known) {
      if (head.seq === event.seq && head.hash !== event.hash) return this.fail(event.seq, 'changed');
    }
    this.prevHash = event.hash;
    this.lastHead = { seq: event.seq, hash: event.hash };
    this.firstSeq ??= event.seq;
    this.expected = event.seq + 1;
    this.count += 1;
    return true;
  }

  /** The result of a walk over the whole log: it must also reach every known head. */
  finish(): ChainResult {
    if (this.problem !== undefined) return this.problem;
    const last = this.lastHead?.seq ?? this.expected - 1;
    const reach = Math.max(-1, ...this.known.map((head) => head.seq));
    // Entries the anchor or this process know of are missing from the end (tail truncation).
    if (reach > last) return { ok: false, seq: last + 1, problem: 'removed' };
    return { ok: true, count: this.count };
  }

  private fail(seq: number, problem: VerifyProblem): false {
    this.problem = { ok: false, seq, problem };
    return false;
  }
}
