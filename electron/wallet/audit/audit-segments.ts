/**
 * The audit log on disk, in segments (T37): `audit.jsonl` first, then `audit.000001.jsonl`,
 * `audit.000002.jsonl`, … Only the newest is written (O_APPEND, never through a symlink, 0600);
 * once it holds `maxSegmentBytes` the next append starts a new one (O_EXCL). The hash chain just
 * continues: a segment's first entry chains to the previous segment's last one. Files are never
 * renamed (a reader that started before a rotation reads the same bytes) and never deleted; a gap
 * in the numbering, or a file gone since, is listed as a missing segment for verify to report.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { copyFile, readFileTail, visitFileLines, type AuditStorage, type LineVisitor, type Segment, type Tail } from './audit-storage.js';

export const DEFAULT_MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface SegmentOptions {
  /** A segment that holds this many bytes is closed; the next append starts a new one. Default 8 MiB. */
  maxSegmentBytes?: number;
}

/** A closed segment's file, or a gap in the numbering; `start` is its first byte in the whole log. */
type Sealed = { kind: 'file'; path: string; start: number; size: number } | { kind: 'gap'; name: string; start: number };

interface Active {
  index: number;
  path: string;
  handle: FileHandle;
  start: number;
}

class SegmentNames {
  private readonly dir: string;
  private readonly stem: string;
  private readonly ext: string;
  private readonly pattern: RegExp;

  constructor(private readonly first: string) {
    this.dir = dirname(first);
    this.ext = extname(first);
    this.stem = basename(first, this.ext);
    this.pattern = new RegExp(`^${escapeRegExp(this.stem)}\\.(\\d{6,9})${escapeRegExp(this.ext)}$`, 'u');
  }

  path(index: number): string {
    return index === 0 ? this.first : join(this.dir, `${this.stem}.${String(index).padStart(6, '0')}${this.ext}`);
  }

  /** The numbers (≥ 1) of the segment files in the directory, ascending. */
  async numbered(): Promise<number[]> {
    const found = (await readdir(this.dir)).map((name) => Number(this.pattern.exec(name)?.[1] ?? 0)).filter((index) => index > 0);
    return found.sort((a, b) => a - b);
  }

  gap(from: number, to: number): string {
    const name = (index: number): string => basename(this.path(index));
    return from === to ? name(from) : `${name(from)} to ${name(to)}`;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** The size of a plain file at `path`, or undefined when it is gone or is not a plain file. */
async function plainFileSize(path: string): Promise<number | undefined> {
  try {
    const info = await lstat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

function cannotOpen(error: unknown): LatchkeyError {
  return new LatchkeyError(ErrorCode.Internal, 'Latchkey cannot open its audit log.', {
    hint: 'Check that the Latchkey data directory is yours and that audit.jsonl is a plain file, not a link.',
    cause: error,
  });
}

/** Opens a segment for appending: O_APPEND, O_NOFOLLOW, a plain file, mode 0600 enforced. */
async function openForAppend(path: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | flags, 0o600);
  } catch (error) {
    throw cannotOpen(error);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new LatchkeyError(ErrorCode.Internal, 'The audit log is not a plain file.', { hint: 'Move audit.jsonl aside and start Latchkey again.' });
  }
  if ((info.mode & 0o777) !== 0o600) await handle.chmod(0o600);
  return handle;
}

class SegmentedFileStorage implements AuditStorage {
  constructor(
    private readonly names: SegmentNames,
    private readonly sealed: Sealed[],
    private active: Active,
    private readonly maxSegmentBytes: number,
  ) {}

  get path(): string {
    return this.names.path(0);
  }

  async append(text: string): Promise<void> {
    const current = (await this.active.handle.stat()).size;
    if (current >= this.maxSegmentBytes) await this.rotate(current);
    const data = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.active.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  async size(): Promise<number> {
    return this.active.start + (await this.active.handle.stat()).size;
  }

  async readTail(): Promise<Tail> {
    const activeSize = (await this.active.handle.stat()).size;
    if (activeSize > 0) return readFileTail(this.active.path, activeSize);
    for (let i = this.sealed.length - 1; i >= 0; i -= 1) {
      const segment = this.sealed[i];
      if (segment?.kind === 'file' && segment.size > 0) return readFileTail(segment.path, segment.size);
    }
    return { lines: [], torn: false };
  }

  async forEachLine(end: number, visit: LineVisitor): Promise<void> {
    for (const segment of await this.segments(end)) {
      if (!(await segment.forEachLine(visit))) return;
    }
  }

  async segments(end: number): Promise<Segment[]> {
    const found: Segment[] = [];
    for (const segment of this.layout()) {
      if (segment.start > end) break;
      if (segment.kind === 'gap') {
        found.push({ name: segment.name, missing: true, forEachLine: () => Promise.resolve(true), forEachLineBackward: () => Promise.resolve(true) });
        continue;
      }
      const bytes = Math.min(segment.size, end - segment.start);
      // Gone (or replaced by a link) since the log was opened: missing, never followed.
      const missing = (await plainFileSize(segment.path)) === undefined;
      found.push({
        name: basename(segment.path),
        missing,
        forEachLine: (visit) => (missing ? Promise.resolve(true) : visitFileLines(segment.path, bytes, visit)),
        forEachLineBackward: (visit) => (missing ? Promise.resolve(true) : visitFileLines(segment.path, bytes, visit, 'backward')),
      });
    }
    return found;
  }

  async copyTo(end: number, out: NodeJS.WritableStream): Promise<void> {
    for (const segment of this.layout()) {
      if (segment.start >= end) break;
      if (segment.kind === 'file' && (await plainFileSize(segment.path)) !== undefined) {
        await copyFile(segment.path, Math.min(segment.size, end - segment.start), out);
      }
    }
  }

  close(): Promise<void> {
    return this.active.handle.close();
  }

  /** Every segment, oldest first; the active one without an end. */
  private layout(): Sealed[] {
    return [...this.sealed, { kind: 'file', path: this.active.path, start: this.active.start, size: Number.POSITIVE_INFINITY }];
  }

  /** Starts the next segment; if it cannot be created, keeps writing to this one (never loses an entry). */
  private async rotate(size: number): Promise<void> {
    const index = this.active.index + 1;
    const path = this.names.path(index);
    let handle: FileHandle;
    try {
      handle = await openForAppend(path, constants.O_CREAT | constants.O_EXCL);
    } catch {
      return;
    }
    await this.active.handle.close();
    this.sealed.push({ kind: 'file', path: this.active.path, start: this.active.start, size });
    this.active = { index, path, handle, start: this.active.start + size };
  }
}

/**
 * Opens the log at `path` (its first segment): the newest segment is opened for appending
 * (created 0600 if there is none), the older ones are listed for reading.
 */
export async function openFileStorage(path: string, options: SegmentOptions = {}): Promise<AuditStorage> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const names = new SegmentNames(path);
  let numbered: number[];
  try {
    numbered = await names.numbered();
  } catch (error) {
    throw cannotOpen(error);
  }
  const activeIndex = numbered.at(-1) ?? 0;
  const sealed: Sealed[] = [];
  let start = 0;
  let expected = 0;
  for (const index of [0, ...numbered].filter((candidate) => candidate < activeIndex)) {
    const size = await plainFileSize(names.path(index));
    if (size === undefined) continue;
    if (index > expected) sealed.push({ kind: 'gap', name: names.gap(expected, index - 1), start });
    sealed.push({ kind: 'file', path: names.path(index), start, size });
    start += size;
    expected = index + 1;
  }
  if (activeIndex > expected) sealed.push({ kind: 'gap', name: names.gap(expected, activeIndex - 1), start });
  const handle = await openForAppend(names.path(activeIndex), activeIndex === 0 ? constants.O_CREAT : 0);
  return new SegmentedFileStorage(names, sealed, { index: activeIndex, path: names.path(activeIndex), handle, start }, options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES);
}
