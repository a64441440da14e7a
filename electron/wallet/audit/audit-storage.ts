/**
 * Where the audit log's lines live: files opened append-only in segments (audit-segments.ts), or
 * memory (memory-mode wallets and tests). Both read the tail to continue the chain and stream
 * lines, segment by segment, for queries and verification.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { forEachBlockBackward, forEachLineForward, lastLineEnd, readAtBuffer, readAtHandle, type BlockVisitor, type LineVisitor, type ReadAt } from './line-reader.js';

export type { LineVisitor } from './line-reader.js';

const TAIL_BYTES = 64 * 1024;

export interface Tail {
  /** Complete lines at the end of the log, oldest first (the first may be cut on a long log). */
  lines: string[];
  /** True when the log ends in the middle of a line (a torn write). */
  torn: boolean;
  /** The text after the last line end ('' when not torn). */
  unfinished: string;
}

/** One segment of the log as a reader sees it. */
export interface Segment {
  /** The file's name (no directory), or "(memory)"; for a gap, the names it spans. */
  readonly name: string;
  /** The numbering says this segment existed, but its file is gone (or is not a plain file). */
  readonly missing: boolean;
  /** Walks its lines (none when missing); resolves false when `visit` stopped it. */
  forEachLine(visit: LineVisitor): Promise<boolean>;
  /** Walks its bytes newest first, from the end in bounded chunks, a block of whole lines at a time (line-reader.ts). */
  forEachBlockBackward(visit: BlockVisitor): Promise<boolean>;
}

export interface AuditStorage {
  /** The first segment's file, or "(memory)". */
  readonly path: string;
  /**
   * Appends text in one write (to one segment); resolves once the OS holds it (not yet the disk).
   * The write is made on the calling thread (audit-segments.ts says why).
   */
  append(text: string): Promise<void>;
  /**
   * Appends text in one write now, on the calling thread, if nothing has to wait first (a segment
   * rotation does): true once the OS holds it, false when nothing was written and append() must
   * be used. Throws what append() rejects with.
   */
  appendNow(text: string): boolean;
  /**
   * Flushes to the disk what append() has written (fdatasync), off the event loop. Callers never
   * run two at once; once it resolves, every append that resolved before it was called is durable.
   */
  sync(): Promise<void>;
  /** Bytes in the log now, all segments: reads up to here see only complete appends. */
  size(): Promise<number>;
  /** The last lines written (in the newest segment that has any). */
  readTail(): Promise<Tail>;
  /**
   * Removes an unfinished last line from the segment being written: a write a killed process left
   * half done, whose records were never acknowledged. Resolves with the bytes removed (0: the log
   * ends at a line end, or the unfinished line is in a sealed segment, which is never changed).
   */
  dropTornTail(): Promise<number>;
  /** Calls `visit` for every non-empty line in the first `end` bytes; stops when it returns false. */
  forEachLine(end: number, visit: LineVisitor): Promise<void>;
  /** The segments, oldest first, cut at `end` bytes (as from size()). */
  segments(end: number): Promise<Segment[]>;
  /** Copies the first `end` bytes to `out`, honouring backpressure; does not end `out`. */
  copyTo(end: number, out: NodeJS.WritableStream): Promise<void>;
  close(): Promise<void>;
}

export function tailOf(text: string, cut: boolean): Tail {
  const torn = text.length > 0 && !text.endsWith('\n');
  const parts = text.split('\n');
  const unfinished = parts.pop() ?? ''; // after the last newline: empty, or a torn line
  if (cut) parts.shift();
  return { lines: parts.filter((line) => line.length > 0), torn, unfinished };
}

export async function pump(input: AsyncIterable<unknown> | Iterable<unknown>, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of input) {
    if (out.write(chunk as Buffer)) continue;
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        out.off('error', onError);
        resolve();
      };
      const onError = (error: unknown): void => {
        out.off('drain', onDrain);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  }
}

/** Opens a segment for reading, never through a symlink. */
function openForReading(path: string): Promise<FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/** The complete lines near the end of the first `size` bytes of `path`. */
export async function readFileTail(path: string, size: number): Promise<Tail> {
  if (size === 0) return { lines: [], torn: false, unfinished: '' };
  const start = Math.max(0, size - TAIL_BYTES);
  const reader = await openForReading(path);
  try {
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await reader.read(buffer, 0, buffer.length, start);
    return tailOf(buffer.subarray(0, bytesRead).toString('utf8'), start > 0);
  } finally {
    await reader.close();
  }
}

/** Runs `walk` over the first `end` bytes of `path`; resolves false when it stopped. */
async function walkFile(path: string, end: number, walk: (read: ReadAt, end: number) => Promise<boolean>): Promise<boolean> {
  if (end === 0) return true;
  const reader = await openForReading(path);
  try {
    return await walk(readAtHandle(reader), end);
  } finally {
    await reader.close();
  }
}

/** Walks the lines in the first `end` bytes of `path`; resolves false when `visit` stopped. */
export function visitFileLines(path: string, end: number, visit: LineVisitor): Promise<boolean> {
  return walkFile(path, end, (read, bytes) => forEachLineForward(read, bytes, visit));
}

/** Walks the first `end` bytes of `path` newest first, a block of whole lines at a time; resolves false when `visit` stopped. */
export function visitFileBlocksBackward(path: string, end: number, visit: BlockVisitor): Promise<boolean> {
  return walkFile(path, end, (read, bytes) => forEachBlockBackward(read, bytes, visit));
}

/**
 * Where the last complete line in the first `end` bytes of `path` ends (line-reader.ts
 * lastLineEnd); undefined when the file at `path` is no longer the one `same` has open.
 */
export async function fileLastLineEnd(path: string, end: number, same: FileHandle): Promise<number | undefined> {
  if (end === 0) return 0;
  const reader = await openForReading(path);
  try {
    const [read, held] = await Promise.all([reader.stat(), same.stat()]);
    if (read.ino !== held.ino || read.dev !== held.dev) return undefined;
    return await lastLineEnd(readAtHandle(reader), end);
  } finally {
    await reader.close();
  }
}

/** Copies the first `end` bytes of `path` to `out`. */
export async function copyFile(path: string, end: number, out: NodeJS.WritableStream): Promise<void> {
  if (end === 0) return;
  const reader = await openForReading(path);
  const stream = reader.createReadStream({ start: 0, end: end - 1 });
  try {
    await pump(stream, out);
  } finally {
    stream.destroy();
  }
}

/** Keeps the log in memory. `text` is exposed so tests can tamper with it. */
export class MemoryStorage implements AuditStorage {
  readonly path = '(memory)';
  text = '';

  async append(text: string): Promise<void> {
    this.text += text;
  }

  appendNow(text: string): boolean {
    this.text += text;
    return true;
  }

  /** Memory has no disk to reach. */
  async sync(): Promise<void> {}

  async size(): Promise<number> {
    return Buffer.byteLength(this.text, 'utf8');
  }

  async readTail(): Promise<Tail> {
    return tailOf(this.text, false);
  }

  async dropTornTail(): Promise<number> {
    const end = this.text.lastIndexOf('\n') + 1;
    const removed = Buffer.byteLength(this.text.slice(end), 'utf8');
    this.text = this.text.slice(0, end);
    return removed;
  }

  async forEachLine(end: number, visit: LineVisitor): Promise<void> {
    const [segment] = await this.segments(end);
    await segment?.forEachLine(visit);
  }

  async segments(end: number): Promise<Segment[]> {
    const walk =
      <V>(walker: (read: ReadAt, end: number, visit: V) => Promise<boolean>) =>
      (visit: V): Promise<boolean> => {
        const bytes = Buffer.from(this.text, 'utf8').subarray(0, end);
        return walker(readAtBuffer(bytes), bytes.length, visit);
      };
    return [{ name: this.path, missing: false, forEachLine: walk(forEachLineForward), forEachBlockBackward: walk(forEachBlockBackward) }];
  }

  async copyTo(end: number, out: NodeJS.WritableStream): Promise<void> {
    await pump([Buffer.from(this.text, 'utf8').subarray(0, end)], out);
  }

  async close(): Promise<void> {}
}
