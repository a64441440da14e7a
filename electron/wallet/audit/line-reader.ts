/**
 * Line readers over a byte source (a file handle, or a buffer in memory) in bounded chunks: one
 * walks forwards, one backwards from the end (newest line first), so a query that wants the last
 * few entries reads only the end of the log. Neither ever holds more than a chunk and the line
 * being carried across chunks.
 *
 * Lines end at a line feed or a carriage return (a CRLF pair is one end); empty lines are skipped,
 * and the bytes after the last end are a line too (a torn write). Bytes are split before they are
 * decoded, so a multi-byte UTF-8 character cut by a chunk boundary decodes whole: neither end byte
 * occurs inside a multi-byte character.
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

/** Visits the lines of one LF-ended piece, split at carriage returns too, in file order or reversed. */
function visitPiece(bytes: Buffer, visit: LineVisitor, reversed: boolean): boolean {
  if (bytes.length === 0) return true;
  const text = bytes.toString('utf8');
  if (!text.includes('\r')) return visit(text) !== false;
  const parts = text.split('\r').filter((part) => part.length > 0);
  if (reversed) parts.reverse();
  for (const part of parts) if (visit(part) === false) return false;
  return true;
}

function joined(head: Buffer, rest: readonly Buffer[]): Buffer {
  return rest.length === 0 ? head : Buffer.concat([head, ...rest]);
}

/** Walks the lines in bytes [0, end) oldest first; resolves false when `visit` stopped it. */
export async function forEachLineForward(read: ReadAt, end: number, visit: LineVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  if (end <= 0) return true;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, end));
  // The start of a line that began in an earlier chunk (copies: `chunk` is reused).
  let carry: Buffer[] = [];
  let position = 0;
  while (position < end) {
    const got = await read(chunk, Math.min(chunk.length, end - position), position);
    if (got === 0) break; // The file is shorter than it was: what there was has been read.
    position += got;
    const view = chunk.subarray(0, got);
    let from = 0;
    for (let at = view.indexOf(LF, from); at >= 0; at = view.indexOf(LF, from)) {
      const line = carry.length === 0 ? view.subarray(from, at) : Buffer.concat([...carry, view.subarray(from, at)]);
      carry = [];
      if (!visitPiece(line, visit, false)) return false;
      from = at + 1;
    }
    if (from < got) carry.push(Buffer.from(view.subarray(from)));
  }
  return visitPiece(Buffer.concat(carry), visit, false);
}

/** Walks the lines in bytes [0, end) newest first; resolves false when `visit` stopped it. */
export async function forEachLineBackward(read: ReadAt, end: number, visit: LineVisitor, chunkBytes = CHUNK_BYTES): Promise<boolean> {
  if (end <= 0) return true;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, end));
  // The end of a line that begins in an earlier chunk, in file order (copies: `chunk` is reused).
  let carry: Buffer[] = [];
  let position = end;
  while (position > 0) {
    const start = Math.max(0, position - chunk.length);
    const got = await read(chunk, position - start, start);
    // The file is shorter than it was: these bytes would not join up with the ones after them.
    if (got < position - start) return true;
    let stop = got;
    while (stop > 0) {
      const at = chunk.lastIndexOf(LF, stop - 1);
      if (at < 0) break;
      const line = joined(chunk.subarray(at + 1, stop), carry);
      carry = [];
      if (!visitPiece(line, visit, true)) return false;
      stop = at;
    }
    if (stop > 0) carry.unshift(Buffer.from(chunk.subarray(0, stop)));
    position = start;
  }
  return visitPiece(Buffer.concat(carry), visit, true);
}
