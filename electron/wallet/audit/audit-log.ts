/**
 * The audit log: append-only, hash-chained JSON lines at `<home>/audit.jsonl` (0600), continued in
 * segments `audit.000001.jsonl`, … once a segment holds 8 MiB (audit-segments.ts). Every hand-out,
 * refusal, approval, decision, revoke and enrolment is one event; the bridge's refusals of callers
 * that did not authenticate are counted into periodic summaries (rejection-summaries.ts, T37). No
 * secrets: tokens only as fingerprints, reasons only as codes (T30); events that look otherwise
 * are refused.
 *
 * The chain shows a changed, removed or reordered entry, across segments, and a missing segment;
 * the head {seq, hash} is also written to an anchor (the encrypted vault) so a cut-off tail shows
 * too. An append resolves once the OS holds its record; the disk follows within a second or 100
 * records (sync-policy.ts), and the anchor, debounced, names only a head already on disk.
 */
import type { AuditEvent } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../base/async/deferred-writes.js';
import { SerialQueue } from '../../base/async/keyed-queue.js';
import { TypedEvents, type Unsubscribe } from '../../base/async/typed-events.js';
import { silentLogger } from '../../base/log/logger.js';
import { errnoOf } from '../../base/runtime/runtime-dir.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import { queryAudit, type AuditQuery } from './audit-query.js';
import { openFileStorage, type SegmentOptions } from './audit-segments.js';
import { MemoryStorage, type AuditStorage } from './audit-storage.js';
import { GENESIS_HASH, hashCanonical, lineOfCanonical, parseLine, type AuditHead } from './chain.js';
import { checkInput, eventOf, type AuditInput } from './audit-input.js';
import { RejectionSummaries, type BridgeRefusal, type RejectionSummaryOptions } from './rejection-summaries.js';
import { SyncPolicy } from './sync-policy.js';
import { verifySegments, type VerifyResult } from './verify-segments.js';

export type { AuditHead } from './chain.js';
export type { SegmentVerification, VerifyResult } from './verify-segments.js';
export type { BridgeRefusal } from './rejection-summaries.js';
export type { AuditInput } from './audit-input.js';
export type { AuditQuery } from './audit-query.js';
export { GENESIS_HASH } from './chain.js';

export const AUDIT_FILE_NAME = 'audit.jsonl';

/** Somewhere tamper-evident to keep the chain's head (the wallet uses the encrypted vault). */
export interface AuditAnchor {
  read(): AuditHead | undefined;
  write(head: AuditHead): Promise<void>;
}

export interface AuditLogOptions extends SegmentOptions {
  /** The log's first file. Without it (and without `storage`) the log lives in memory. */
  path?: string;
  storage?: AuditStorage;
  anchor?: AuditAnchor;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
  /** Anchor writes wait this long to batch. Default 1000 ms. */
  anchorDelayMs?: number;
  /** A written record reaches the disk (fdatasync) at most this long after it was written. Default 1000 ms. */
  syncDelayMs?: number;
  /** This many written records not yet on disk start a sync at once. Default 100. */
  syncRecords?: number;
  /** How the bridge's refusals are counted and summarised (T37). */
  summaries?: RejectionSummaryOptions;
}

interface Waiting {
  input: AuditInput;
  time: number;
  resolve: (event: AuditEvent) => void;
  reject: (error: unknown) => void;
}

/** A batch chained after the head, not yet written: its events in order and the text of their lines. */
interface Chained {
  batch: readonly Waiting[];
  events: AuditEvent[];
  text: string;
}

function closedError(): LatchkeyError {
  return new LatchkeyError(ErrorCode.Internal, 'The audit log is closed.', { hint: 'Open the wallet again.' });
}

interface AuditLogEvents extends Record<string, unknown> {
  appended: AuditEvent;
}

interface FoundHead {
  head: AuditHead | undefined;
  /** The log ends inside a line: the next write starts with a line end. */
  torn: boolean;
  /** Bytes of an unfinished last line removed at open (0: none). */
  removed: number;
}

async function lastEventIn(storage: AuditStorage): Promise<Omit<FoundHead, 'removed'> & { unfinished: string }> {
  const tail = await storage.readTail();
  const found = { torn: tail.torn, unfinished: tail.unfinished };
  for (let i = tail.lines.length - 1; i >= 0; i -= 1) {
    const parsed = parseLine(tail.lines[i] ?? '');
    if (parsed !== undefined) return { ...found, head: { seq: parsed.event.seq, hash: parsed.event.hash } };
  }
  // The whole tail is unreadable, or the newest segment holds no whole line: look further back.
  let head: AuditHead | undefined;
  await storage.forEachLine(await storage.size(), (line) => {
    const parsed = parseLine(line);
    if (parsed !== undefined) head = { seq: parsed.event.seq, hash: parsed.event.hash };
  });
  return { ...found, head };
}

/**
 * The head to continue from. A log that ends inside a line: a killed process's write left half
 * done, never acknowledged, so its unfinished line is removed (the storage cuts only the segment
 * being written); the head is the last whole record before it, in an earlier segment if that line
 * was all the newest one held. A last line that is a whole record but for its line end is kept,
 * and is the head. If the cut fails, the next write starts on a new line instead and verify shows
 * the unfinished one.
 */
async function headAtOpen(storage: AuditStorage, logger: Logger): Promise<FoundHead> {
  const found = await lastEventIn(storage);
  if (!found.torn) return { head: found.head, torn: false, removed: 0 };
  const whole = parseLine(found.unfinished);
  if (whole !== undefined) return { head: { seq: whole.event.seq, hash: whole.event.hash }, torn: true, removed: 0 };
  let removed = 0;
  try {
    removed = await storage.dropTornTail();
  } catch (error) {
    logger.warn('Could not remove the unfinished last line of the audit log; it stays, and verify will show it.', { reason: errnoOf(error) ?? 'unknown' });
  }
  if (removed === 0) return { head: found.head, torn: true, removed: 0 };
  logger.warn('The audit log ended in a line a crash left unfinished; it was never acknowledged and has been removed.', { bytes: removed });
  return { head: found.head, torn: false, removed };
}

export async function openAuditLog(options: AuditLogOptions = {}): Promise<AuditLog> {
  const storage = options.storage ?? (options.path === undefined ? new MemoryStorage() : await openFileStorage(options.path, options));
  const logger = options.logger ?? silentLogger;
  try {
    const { head: fileHead, torn, removed } = await headAtOpen(storage, logger);
    const anchored = options.anchor?.read();
    let head = fileHead;
    const behind = anchored !== undefined && (fileHead === undefined || anchored.seq > fileHead.seq);
    const diverged = anchored !== undefined && fileHead !== undefined && anchored.seq === fileHead.seq && anchored.hash !== fileHead.hash;
    if (behind || diverged) {
      // Continue from the anchor, so the gap or the change stays visible to verify().
      logger.error('The audit log is missing entries or was changed since Latchkey last wrote it. Run `latchkey audit verify`.', {
        anchoredSeq: anchored.seq,
        fileSeq: fileHead?.seq ?? -1,
      });
      head = { seq: Math.max(anchored.seq, fileHead?.seq ?? -1), hash: anchored.hash };
    }
    const log = new AuditLog(storage, head, torn, options, logger);
    if (removed > 0) await log.record({ type: 'audit.tail_removed', outcome: 'ok', count: removed });
    return log;
  } catch (error) {
    await storage.close();
    throw error;
  }
}

export class AuditLog {
  private readonly queue = new SerialQueue();
  private readonly events: TypedEvents<AuditLogEvents>;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly anchor: AuditAnchor | undefined;
  private readonly anchorDelayMs: number;
  private readonly summaries: RejectionSummaries;
  private readonly durability: SyncPolicy;
  /** The newest head known to be on disk: the only one the anchor may name. */
  private durableHead: AuditHead | undefined;
  private anchorTimer: TimerHandle | undefined;
  private anchorWrites: Promise<void> = Promise.resolve();
  private anchoredHead: AuditHead | undefined;
  private closed = false;
  private waiting: Waiting[] = [];
  private drainQueued = false;
  private closing: Promise<void> | undefined;
  /** drainTurn, bound once: what every turn's first append schedules. */
  private readonly drainAtTurnEnd = (): void => this.drainTurn();

  /** Use openAuditLog(). */
  constructor(
    private readonly storage: AuditStorage,
    private currentHead: AuditHead | undefined,
    private torn: boolean,
    options: AuditLogOptions,
    private readonly logger: Logger,
  ) {
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.anchor = options.anchor;
    this.anchorDelayMs = options.anchorDelayMs ?? 1000;
    this.anchoredHead = options.anchor?.read();
    this.events = new TypedEvents<AuditLogEvents>(() => this.logger.warn('An audit listener failed.'));
    this.summaries = new RejectionSummaries((input) => void this.record(input), this.scheduler, options.summaries);
    this.durability = new SyncPolicy({
      sync: () => this.storage.sync(),
      durable: (head) => {
        this.durableHead = head;
        this.scheduleAnchor();
      },
      scheduler: this.scheduler,
      logger,
      ...(options.syncDelayMs === undefined ? {} : { maxDelayMs: options.syncDelayMs }),
      ...(options.syncRecords === undefined ? {} : { maxRecords: options.syncRecords }),
    });
  }

  get path(): string {
    return this.storage.path;
  }

  /** The last event's {seq, hash}, or undefined for an empty log. */
  head(): AuditHead | undefined {
    return this.currentHead === undefined ? undefined : { ...this.currentHead };
  }

  /**
   * Appends for a caller whose answer must not change because the audit failed (the broker, the
   * elicitation desk): a failure is logged, never thrown.
   */
  record(input: AuditInput): Promise<void> {
    // One promise: the failure is logged where append() would reject.
    return new Promise<void>((resolve) => {
      this.enqueue(input, () => resolve(), (error) => {
        this.logger.error('audit append failed', { type: input.type, reason: error instanceof Error ? error.message : 'unknown' });
        resolve();
      });
    });
  }

  /**
   * A refusal by the bridge: written at once only for an authenticated agent within its budget,
   * otherwise counted into the next `bridge.rejected` summary (T37). Never throws.
   */
  recordRefusal(refusal: BridgeRefusal): void {
    if (this.closing !== undefined) return;
    this.summaries.note(refusal);
  }

  /**
   * Adds an event; resolves with it once the OS holds it (a killed process loses nothing that
   * resolved; the disk follows, see sync-policy.ts). Seq follows call order. The appends of one
   * turn of the event loop, and those that arrive while a write is under way, go out together in
   * one write (group commit): the write waits for the turn's end (setImmediate, microseconds when
   * the loop is idle) and is made on the loop (audit-segments.ts says why).
   */
  append(input: AuditInput): Promise<AuditEvent> {
    return new Promise<AuditEvent>((resolve, reject) => this.enqueue(input, resolve, reject));
  }

  /** Checks the input and queues it for the turn's write; `reject` is called at once if it is refused or the log is closed. */
  private enqueue(input: AuditInput, resolve: (event: AuditEvent) => void, reject: (error: unknown) => void): void {
    try {
      checkInput(input);
    } catch (error) {
      reject(error);
      return;
    }
    if (this.closed) {
      reject(closedError());
      return;
    }
    this.waiting.push({ input, time: this.clock.now(), resolve, reject });
    if (this.drainQueued) return;
    this.drainQueued = true;
    setImmediate(this.drainAtTurnEnd);
  }

  /** Matching events across all segments, oldest first; with a limit, only the end of the log is read (audit-query.ts). */
  async query(query: AuditQuery = {}): Promise<AuditEvent[]> {
    return queryAudit(await this.storage.segments(await this.settledSize()), query);
  }

  /** Checks the whole chain, segment by segment, and that it reaches the anchored head. */
  async verify(): Promise<VerifyResult> {
    const segments = await this.storage.segments(await this.settledSize());
    const known = [this.anchor?.read(), this.currentHead].filter((head): head is AuditHead => head !== undefined);
    return verifySegments(segments, known);
  }

  /** Writes the log as JSON lines to `out` (not ended). */
  async exportJsonl(out: NodeJS.WritableStream): Promise<void> {
    await this.storage.copyTo(await this.settledSize(), out);
  }

  on(event: 'appended', listener: (event: AuditEvent) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Writes the pending refusal summaries, waits for pending appends, syncs them to disk, writes the anchor, closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.closed) this.summaries.flush();
      this.summaries.stop();
      this.queueWaiting();
      await this.queue.run(async () => {
        this.closed = true;
      });
      await this.durability.flush();
      this.durability.stop();
      await this.flushAnchor();
      await this.storage.close();
    })();
    return this.closing;
  }

  /**
   * Writes the turn's group. When no job is queued and the storage takes the text at once (no
   * segment rotation due), it is written here, in this turn: no queue job, no promise between the
   * record and its caller. Otherwise it goes through the queue, after the jobs before it.
   */
  private drainTurn(): void {
    if (this.queue.isBusy() || this.closed) {
      void this.queue.run(() => this.drain());
      return;
    }
    this.drainQueued = false;
    const chained = this.chain(this.takeWaiting());
    if (chained === undefined) return;
    let written: boolean;
    try {
      written = this.storage.appendNow(chained.text);
    } catch (error) {
      this.fail(chained, error);
      return;
    }
    // Chained from the current head: the queue's next job starts after this one commits it.
    if (written) this.commit(chained);
    else void this.queue.run(() => this.writeChained(chained));
  }

  /** Writes everything waiting in one append (the turn's group), as a queue job. */
  private drain(): Promise<void> {
    this.drainQueued = false;
    return this.writeBatch(this.takeWaiting());
  }

  private takeWaiting(): Waiting[] {
    const batch = this.waiting;
    this.waiting = [];
    return batch;
  }

  /** Writes `batch` in one append; on failure nothing moves and every caller is told. */
  private writeBatch(batch: readonly Waiting[]): Promise<void> {
    if (this.closed) {
      for (const item of batch) item.reject(closedError());
      return Promise.resolve();
    }
    const chained = this.chain(batch);
    return chained === undefined ? Promise.resolve() : this.writeChained(chained);
  }

  private async writeChained(chained: Chained): Promise<void> {
    try {
      await this.storage.append(chained.text);
    } catch (error) {
      this.fail(chained, error);
      return;
    }
    this.commit(chained);
  }

  /**
   * The batch's events chained after the current head, and their lines. The head moves only when
   * they are written (commit): until then the next batch must not be chained.
   */
  private chain(batch: readonly Waiting[]): Chained | undefined {
    if (batch.length === 0) return undefined;
    let head = this.currentHead;
    const events: AuditEvent[] = [];
    let text = this.torn ? '\n' : '';
    for (const item of batch) {
      // append() checked the input (audit-input.ts): no parse here, the wallet built the event.
      // One serialisation: the canonical JSON the hash covers is also the line, with `hash` added last.
      const prevHash = head?.hash ?? GENESIS_HASH;
      const unhashed = eventOf(item.input, (head?.seq ?? -1) + 1, item.time, prevHash);
      const canonical = JSON.stringify(unhashed);
      // eventOf made a new object: it becomes the event, `hash` added last (no copy).
      const event = unhashed as AuditEvent;
      event.hash = hashCanonical(prevHash, canonical);
      text += `${lineOfCanonical(canonical, event.hash)}\n`;
      head = event;
      events.push(event);
    }
    return { batch, events, text };
  }

  /** The batch's lines are written: the head moves, the disk is scheduled, every caller is answered. */
  private commit({ batch, events }: Chained): void {
    this.torn = false;
    const last = events[events.length - 1];
    if (last !== undefined) {
      this.currentHead = { seq: last.seq, hash: last.hash };
      this.durability.noteWritten(this.currentHead, events.length);
    }
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i] as AuditEvent;
      batch[i]?.resolve(event);
      this.events.emit('appended', event);
    }
  }

  private fail({ batch }: Chained, error: unknown): void {
    this.logger.error('Could not write to the audit log.');
    for (const item of batch) item.reject(error);
  }

  /** The log's size once every append queued so far is written. */
  private settledSize(): Promise<number> {
    this.queueWaiting();
    return this.queue.run(() => this.storage.size());
  }

  /**
   * Queues the appends made so far (this turn's, not yet written) as their own write, so the job
   * queued next sees them written and none made after it.
   */
  private queueWaiting(): void {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    void this.queue.run(() => this.writeBatch(batch));
  }

  private scheduleAnchor(): void {
    if (this.anchor === undefined || this.anchorTimer !== undefined) return;
    this.anchorTimer = this.scheduler.setTimeout(() => {
      this.anchorTimer = undefined;
      void this.flushAnchor();
    }, this.anchorDelayMs);
  }

  /** Writes the newest head known to be on disk to the anchor if it moved. Never rejects. */
  private flushAnchor(): Promise<void> {
    if (this.anchorTimer !== undefined) {
      this.scheduler.clearTimeout(this.anchorTimer);
      this.anchorTimer = undefined;
    }
    this.anchorWrites = this.anchorWrites.then(async () => {
      const head = this.durableHead;
      if (this.anchor === undefined || head === undefined) return;
      if (this.anchoredHead?.seq === head.seq && this.anchoredHead.hash === head.hash) return;
      try {
        await this.anchor.write({ ...head });
        this.anchoredHead = head;
      } catch {
        this.logger.warn('Could not record the audit log head in the vault.');
      }
    });
    return this.anchorWrites;
  }
}
