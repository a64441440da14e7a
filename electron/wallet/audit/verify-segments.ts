/**
 * Verifies the audit log segment by segment (T37): the chain runs from the genesis hash through
 * every segment in order (each segment's first entry chains to the previous one's last) up to the
 * heads known from elsewhere (the vault's anchor), and each segment gets its own result. After a
 * break, the next segment is still checked on its own, so one edit does not hide the rest.
 */
import type { Segment } from './audit-storage.js';
import { ChainVerifier, GENESIS_HASH, type AuditHead, type ChainResult, type ChainStart, type VerifyProblem } from './chain.js';

export type SegmentProblem = VerifyProblem | 'missing';

export interface SegmentVerification {
  /** The segment's file name (for a gap in the numbering, the names it spans). */
  file: string;
  ok: boolean;
  /** Entries checked in order (up to a problem). */
  count: number;
  firstSeq?: number;
  lastSeq?: number;
  /** 'missing': the file is gone; the others as for the whole log. */
  problem?: SegmentProblem;
  /** Where the problem is. */
  seq?: number;
}

/** The whole log's result (the first problem, in chain order) and each segment's. */
export type VerifyResult = ChainResult & { segments: SegmentVerification[] };

type Failure = Extract<ChainResult, { ok: false }>;

function seqOf(line: string): number | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'seq' in value && typeof value.seq === 'number') return value.seq;
  } catch {
    return undefined;
  }
  return undefined;
}

/** Every parseable seq in the log: tells a removed entry from a moved one. */
async function collectSeqs(segments: readonly Segment[]): Promise<Set<number>> {
  const seqs = new Set<number>();
  for (const segment of segments) {
    await segment.forEachLine((line) => {
      const seq = seqOf(line);
      if (seq !== undefined) seqs.add(seq);
    });
  }
  return seqs;
}

export async function verifySegments(segments: readonly Segment[], known: readonly AuditHead[]): Promise<VerifyResult> {
  const seqs = await collectSeqs(segments);
  const results: SegmentVerification[] = [];
  let start: ChainStart = { seq: 0, prevHash: GENESIS_HASH };
  let first: Failure | undefined;
  let total = 0;
  for (const segment of segments) {
    if (segment.missing) {
      results.push({ file: segment.name, ok: false, count: 0, problem: 'missing', seq: start.seq });
      first ??= { ok: false, seq: start.seq, problem: 'removed' };
      start = { any: true, seq: start.seq };
      continue;
    }
    const verifier: ChainVerifier = new ChainVerifier(seqs, known, start);
    await segment.forEachLine((line) => verifier.feed(line));
    total += verifier.checked;
    const failure: Failure | undefined = verifier.failure;
    const last: AuditHead | undefined = verifier.last;
    results.push({
      file: segment.name,
      ok: failure === undefined,
      count: verifier.checked,
      ...(verifier.first === undefined ? {} : { firstSeq: verifier.first }),
      ...(last === undefined ? {} : { lastSeq: last.seq }),
      ...(failure === undefined ? {} : { problem: failure.problem, seq: failure.seq }),
    });
    first ??= failure;
    if (failure !== undefined) start = { any: true, seq: Math.max(failure.seq, (last?.seq ?? -1) + 1) };
    else if (last !== undefined) start = { seq: last.seq + 1, prevHash: last.hash };
  }
  // Entries the anchor (or this process) know of are missing from the end: a cut-off tail.
  const reach = Math.max(-1, ...known.map((head) => head.seq));
  const end = results.at(-1);
  if (first === undefined && reach >= start.seq) {
    first = { ok: false, seq: start.seq, problem: 'removed' };
    if (end !== undefined) Object.assign(end, { ok: false, problem: 'removed', seq: start.seq });
  }
  return first === undefined ? { ok: true, count: total, segments: results } : { ...first, segments: results };
}
