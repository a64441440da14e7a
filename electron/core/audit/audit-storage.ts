/**
 * Where the audit log's lines live: a file opened append-only (O_APPEND, never through a symlink,
 * 0600), or memory (memory-mode wallets and tests). Both read the tail to continue the chain and
 * stream lines for queries and verification.
 */
import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

const TAIL_BYTES = 64 * 1024;

export interface Tail {
  /** Complete lines at the end of the log, oldest first (the first may be cut on a long log). */
  lines: string[];
  /** True when the log ends in the middle of a line (a torn write). */
  torn: boolean;
}

export interface AuditStorage {
  /** The file, or "(memory)". */
  readonly path: string;
  /** Appends text in one write. */
  append(text: string): Promise<void>;
  /** Bytes in the log now: reads up to here see only complete appends. */
  size(): Promise<number>;
  readTail(): Promise<Tail>;
  /** Calls `visit` for every non-empty line in the first `end` bytes; stops when it returns false. */
  forEachLine(end: number, visit: (line: string) => boolean | void): Promise<void>;
  /** Copies the first `end` bytes to `out`, honouring backpressure; does not end `out`. */
  copyTo(end: number, out: NodeJS.WritableStream): Promise<void>;
  close(): Promise<void>;
}

function tailOf(text: string, cut: boolean): Tail {
  const torn = text.length > 0 && !text.endsWith('\n');
  const parts = text.split('\n');
  parts.pop(); // after the last newline: empty, or a torn line
  if (cut) parts.shift();
  return { lines: parts.filter((line) => line.length > 0), torn };
}

async function visitLines(input: Readable, visit: (line: string) => boolean | void): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.length === 0) continue;
      if (visit(line) === false) break;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

async function pump(input: AsyncIterable<unknown> | Iterable<unknown>, out: NodeJS.WritableStream): Promise<void> {
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

class FileStorage implements AuditStorage {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async append(text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async readTail(): Promise<Tail> {
    const size = await this.size();
    if (size === 0) return { lines: [], torn: false };
    const start = Math.max(0, size - TAIL_BYTES);
    const reader = await this.openForReading();
    try {
      const buffer = Buffer.alloc(size - start);
      const { bytesRead } = await reader.read(buffer, 0, buffer.length, start);
      return tailOf(buffer.subarray(0, bytesRead).toString('utf8'), start > 0);
    } finally {
      await reader.close();
    }
  }

  async forEachLine(end: number, visit: (line: string) => boolean | void): Promise<void> {
    if (end === 0) return;
    const reader = await this.openForReading();
    await visitLines(reader.createReadStream({ start: 0, end: end - 1, encoding: 'utf8' }), visit);
  }

  async copyTo(end: number, out: NodeJS.WritableStream): Promise<void> {
    if (end === 0) return;
    const reader = await this.openForReading();
    const stream = reader.createReadStream({ start: 0, end: end - 1 });
    try {
      await pump(stream, out);
    } finally {
      stream.destroy();
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private openForReading(): Promise<FileHandle> {
    return open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  }
}

/** Opens (creating if needed) the log file: O_APPEND, O_NOFOLLOW, mode 0600 enforced. */
export async function openFileStorage(path: string): Promise<AuditStorage> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new LatchkeyError(ErrorCode.Internal, 'Latchkey cannot open its audit log.', {
      hint: 'Check that the Latchkey data directory is yours and that audit.jsonl is a plain file, not a link.',
      cause: error,
    });
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new LatchkeyError(ErrorCode.Internal, 'The audit log is not a plain file.', { hint: 'Move audit.jsonl aside and start Latchkey again.' });
  }
  if ((info.mode & 0o777) !== 0o600) await handle.chmod(0o600);
  return new FileStorage(path, handle);
}

/** Keeps the log in memory. `text` is exposed so tests can tamper with it. */
export class MemoryStorage implements AuditStorage {
  readonly path = '(memory)';
  text = '';

  async append(text: string): Promise<void> {
    this.text += text;
  }

  async size(): Promise<number> {
    return Buffer.byteLength(this.text, 'utf8');
  }

  async readTail(): Promise<Tail> {
    return tailOf(this.text, false);
  }

  async forEachLine(end: number, visit: (line: string) => boolean | void): Promise<void> {
    const text = Buffer.from(this.text, 'utf8').subarray(0, end).toString('utf8');
    await visitLines(Readable.from([text]), visit);
  }

  async copyTo(end: number, out: NodeJS.WritableStream): Promise<void> {
    await pump([Buffer.from(this.text, 'utf8').subarray(0, end)], out);
  }

  async close(): Promise<void> {}
}
