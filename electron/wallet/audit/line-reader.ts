/**
 * Line readers over a byte source (a file handle, or a buffer in memory) in bounded chunks: one
 * walks forwards, one backwards from the end (newest line first), so a query that wants the last
 * few entries reads only the end of the log. Neither ever holds more than a chunk and the line
 * being carried across chunks.
 *
 * Lines end at a line feed or a carriage return (a CRLF pair is one end); empty lines are skipped,
 * and the bytes after the last end are a line too (a torn write). A block is cut at a line feed
 * and the line a chunk boundary cut is read again with the next chunk (only a line longer than a
 * chunk is carried over, copied), so a multi-byte UTF-8 character cut by a chunk boundary decodes
 * whole: a line feed never occurs inside a multi-byte character.
 */
import type { FileHandle } from 'node:fs/promises';

export const CHUNK_BYTES = 64 * 1024;

/** Called for each non-empty line; returning false stops the walk. */
export type LineVisitor = (line: string) => boolean | void;

/** Reads up to `length` bytes at byte `position` of the source into `into` from its start; resolves how many. */
export type ReadAt = (into: Buffer, length: number, position: number) => Promise<number>;

const LF = 0x0a;

export function readAtHandle(handle: FileHandle): ReadAt {
  return async (into, length, position) => (await handle.read(into, 0, length, position)).bytesRead;
}

export function readAtBuffer(source: Buffer): ReadAt {
  return (into, length, position) => Promise.resolve(source.copy(into, 0, position, Math.min(source.length, position + length)));
}

/** Visits the lines of `text` (whole lines only), split at LF and CR, in file order or newest first. */
function visitText(text: string, visit: LineVisitor, reversed: boolean): boolean {
  if (text.includes('\r')) text = text.replace(/\r\n?/gu, '\n');
  if (!reversed) {
    let from = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', from)) {
      if (at > from && visit(text.slice(from, at)) === false) return false;
      from = at + 1;
    }
    return from >= text.length || visit(text.slice(from)) !== false;
  }
  let stop = text.length;
  for (let at = text.lastIndexOf('\n'); at >= 0; at = stop > 0 ? text.lastIndexOf('\n', stop - 1) : -1) {
    if (stop > at + 1 && visit(text.slice(at + 1, stop)) === false) return false;
    stop = at;
  }
  return stop === 0 || visit(text.slice(0, stop)) !== false;
}

/**
 * Called with whole lines' bytes (they start and end at line boundaries, so at character
 * boundaries), a view that is only valid during the call; returning false stops the walk.
 */
export type BlockVisitor = (block: Buffer) => boolean;

/** Decodes a block and visits its lines, in file order or newest first. */
export function visitLines(block: Buffer, visit: LineVisitor, order: 'forward' | 'backward'): boolean {
  return block.length === 0 || visitText(block.toString('utf8'), visit, order === 'backward');
}

/**
 * Visits, newest first, only the lines of a block that hold `needle` (bytes with no line end in
 * them), decoding nothing else: the search runs over the bytes.
 */
export function visitLinesContaining(block: Buffer, needle: Buffer, visit: LineVisitor): boolean {
  let before = block.length;
  while (before > 0) {
    const at = block.lastIndexOf(needle, before - 1);
    if (at < 0) return true;
    const lineStart = block.lastIndexOf(LF, at) + 1;
    const lineEnd = block.indexOf(LF, at);
    if (!visitText(block.toString('utf8', lineStart, lineEnd < 0 ? block.length : lineEnd), visit, true)) return false;
    before = lineStart;
  }
  return true;
}

function joined(parts: readonly Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Walks bytes [0, end) oldest first, a block of whole lines at a time; resolves false when `visit` stopped it. */
async function forEachBlockForward(read: ReadAt, end: number, visit: BlockVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  if (end <= 0) return true;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, end));
  // A line longer than a chunk, so far (copies: `chunk` is reused).
  const carry: Buffer[] = [];
  let position = 0;
  while (position < end) {
    const got = await read(chunk, Math.min(chunk.length, end - position), position);
    if (got === 0) break; // The file is shorter than it was: what there was has been read.
    const view = chunk.subarray(0, got);
    // A line cut by the chunk's end is read again with the next chunk, not copied.
    const cut = position + got >= end ? got : view.lastIndexOf(LF);
    if (cut < 0) {
      carry.push(Buffer.from(view));
      position += got;
      continue;
    }
    if (!visit(joined([...carry.splice(0), view.subarray(0, cut)]))) return false;
    position += cut === got ? got : cut + 1;
  }
  return carry.length === 0 || visit(joined(carry));
}

/** Walks bytes [0, end) newest first, a block of whole lines at a time, from the end in chunks; resolves false when `visit` stopped it. */
export async function forEachBlockBackward(read: ReadAt, end: number, visit: BlockVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  if (end <= 0) return true;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, end));
  // The end of a line longer than a chunk, so far, in file order (copies: `chunk` is reused).
  const carry: Buffer[] = [];
  let position = end;
  while (position > 0) {
    const start = Math.max(0, position - chunk.length);
    const got = await read(chunk, position - start, start);
    // The file is shorter than it was: these bytes would not join up with the ones after them.
    if (got < position - start) return true;
    const view = chunk.subarray(0, got);
    // A line cut by the chunk's start is read again with the next chunk, not copied.
    const cut = start === 0 ? -1 : view.indexOf(LF);
    if (start > 0 && cut < 0) {
      carry.unshift(Buffer.from(view));
      position = start;
      continue;
    }
    if (!visit(joined([view.subarray(cut + 1), ...carry.splice(0)]))) return false;
    position = start + Math.max(0, cut);
  }
  return true;
}

/**
 * Where the last complete line ends in bytes [0, end): just past its line feed, or 0 when there is
 * none. Reads backwards from `end` in chunks, so a long log costs one chunk.
 */
export async function lastLineEnd(read: ReadAt, end: number, chunkBytes = CHUNK_BYTES): Promise<number> {
  if (end <= 0) return 0;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, end));
  let position = end;
  while (position > 0) {
    const start = Math.max(0, position - chunk.length);
    const got = await read(chunk, position - start, start);
    const at = chunk.subarray(0, got).lastIndexOf(LF);
    if (at >= 0) return start + at + 1;
    position = start;
  }
  return 0;
}

/** Walks the lines in bytes [0, end) oldest first; resolves false when `visit` stopped it. */
export function forEachLineForward(read: ReadAt, end: number, visit: LineVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  return forEachBlockForward(read, end, (block) => visitLines(block, visit, 'forward'), chunkBytes);
}

/** Walks the lines in bytes [0, end) newest first; resolves false when `visit` stopped it. */
export function forEachLineBackward(read: ReadAt, end: number, visit: LineVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  return forEachBlockBackward(read, end, (block) => visitLines(block, visit, 'backward'), chunkBytes);
}
