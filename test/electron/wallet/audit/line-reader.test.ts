/**
 * The chunked line readers: forwards and backwards they see the same non-empty lines as a split at
 * LF, CR and CRLF, whatever the chunk size (lines cut by a boundary, lines longer than a chunk,
 * multi-byte characters cut in two, a torn last line), and stop when told to.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forEachBlockBackward, forEachLineBackward, forEachLineForward, lastLineEnd, readAtBuffer, readAtHandle, visitLinesContaining, type ReadAt } from '../../../../electron/wallet/audit/line-reader.js';

/** What readline gave the log's readers before: the non-empty lines between LF, CR and CRLF. */
function expectedLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/u).filter((line) => line.length > 0);
}

async function forward(read: ReadAt, end: number, chunk: number): Promise<string[]> {
  const lines: string[] = [];
  expect(await forEachLineForward(read, end, (line) => void lines.push(line), chunk)).toBe(true);
  return lines;
}

async function backward(read: ReadAt, end: number, chunk: number): Promise<string[]> {
  const lines: string[] = [];
  expect(await forEachLineBackward(read, end, (line) => void lines.push(line), chunk)).toBe(true);
  return lines;
}

const TEXTS: Record<string, string> = {
  empty: '',
  'only line ends': '\n\n\r\n\r',
  'one line, no end': '{"seq":0}',
  'lines with ends': '{"seq":0}\n{"seq":1}\n{"seq":2}\n',
  'a torn last line': '{"seq":0}\n{"seq":1}\n{"se',
  'CRLF and lone CR': 'alpha\r\nbeta\r\n\r\ngamma\rdelta\n',
  'a line longer than any chunk': `short\n${'x'.repeat(300)}\nshort again\n${'y'.repeat(97)}`,
  'multi-byte characters': 'één\nnaïve — “quoted”\n🔑🗝️ keys\n日本語のテキスト\n',
  'blank lines between': '\n\nfirst\n\n\nsecond\n\n',
};

describe('line readers', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`${name}: every chunk size gives the same lines, forwards and backwards`, async () => {
      const bytes = Buffer.from(text, 'utf8');
      const want = expectedLines(text);
      for (let chunk = 1; chunk <= 24; chunk += 1) {
        expect(await forward(readAtBuffer(bytes), bytes.length, chunk)).toEqual(want);
        expect(await backward(readAtBuffer(bytes), bytes.length, chunk)).toEqual([...want].reverse());
      }
      expect(await forward(readAtBuffer(bytes), bytes.length, 64 * 1024)).toEqual(want);
      expect(await backward(readAtBuffer(bytes), bytes.length, 64 * 1024)).toEqual([...want].reverse());
    });
  }

  it('visits only the lines that hold a needle, newest first, for every chunk size', async () => {
    const text = `${TEXTS['multi-byte characters']}x"k":"é"\r\n"k":"é" twice "k":"é"\n${'"k":"é"'.repeat(5)}\n"k":"e"\nlast "k":"é"`;
    const bytes = Buffer.from(text, 'utf8');
    const needle = Buffer.from('"k":"é"', 'utf8');
    const want = expectedLines(text)
      .filter((line) => line.includes('"k":"é"'))
      .reverse();
    for (let chunk = 1; chunk <= 40; chunk += 1) {
      const seen: string[] = [];
      await forEachBlockBackward(readAtBuffer(bytes), bytes.length, (block) => visitLinesContaining(block, needle, (line) => void seen.push(line)), chunk);
      expect(seen.filter((line) => line.includes('"k":"é"'))).toEqual(want);
    }
  });

  it('reads only the first `end` bytes', async () => {
    const bytes = Buffer.from('one\ntwo\nthree\nfour\n', 'utf8');
    const end = 'one\ntwo\nthr'.length;
    expect(await forward(readAtBuffer(bytes), end, 3)).toEqual(['one', 'two', 'thr']);
    expect(await backward(readAtBuffer(bytes), end, 3)).toEqual(['thr', 'two', 'one']);
  });

  it('stops when the visitor says so, and says it stopped', async () => {
    const bytes = Buffer.from('a\nb\nc\nd\n', 'utf8');
    const seen: string[] = [];
    expect(await forEachLineBackward(readAtBuffer(bytes), bytes.length, (line) => seen.push(line) < 2, 3)).toBe(false);
    expect(seen).toEqual(['d', 'c']);
    seen.length = 0;
    expect(await forEachLineForward(readAtBuffer(bytes), bytes.length, (line) => seen.push(line) < 3, 3)).toBe(false);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('backwards, reads only the chunks it needs from the end', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n'), 'utf8');
    const positions: number[] = [];
    const read: ReadAt = (into, length, position) => {
      positions.push(position);
      return readAtBuffer(bytes)(into, length, position);
    };
    const seen: string[] = [];
    await forEachLineBackward(read, bytes.length, (line) => seen.push(line) < 3, 64);
    expect(seen).toEqual(['line 999', 'line 998', 'line 997']);
    expect(positions).toEqual([bytes.length - 64]);
  });

  it('backwards, a source that shrank under the reader ends the walk instead of joining bytes that do not meet', async () => {
    const bytes = Buffer.from('a\nb\nc\n', 'utf8');
    const shrunk: ReadAt = (into, length, position) => readAtBuffer(bytes.subarray(0, 2))(into, length, position);
    expect(await backward(shrunk, bytes.length, 4)).toEqual([]);
  });
});

describe('lastLineEnd', () => {
  it('is just past the last line feed, for every chunk size; 0 without one', async () => {
    for (const [name, text] of Object.entries(TEXTS)) {
      const bytes = Buffer.from(text, 'utf8');
      const expected = bytes.lastIndexOf(0x0a) + 1;
      for (const chunk of [1, 2, 3, 7, 64, 1 << 16]) {
        expect(await lastLineEnd(readAtBuffer(bytes), bytes.length, chunk), `${name}, chunk ${chunk}`).toBe(expected);
      }
    }
  });

  it('looks only at the first `end` bytes', async () => {
    const bytes = Buffer.from('a\nbb\nccc', 'utf8');
    expect(await lastLineEnd(readAtBuffer(bytes), 4, 2)).toBe(2);
    expect(await lastLineEnd(readAtBuffer(bytes), 0, 2)).toBe(0);
  });
});

describe('line readers over a file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-lines-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('read a file through its handle in both directions', async () => {
    const text = `${Array.from({ length: 5000 }, (_, i) => JSON.stringify({ seq: i, note: 'é🔑'.repeat(i % 7) })).join('\n')}\n{"torn`;
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, text);
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const want = expectedLines(text);
      expect(await forward(readAtHandle(handle), size, 64 * 1024)).toEqual(want);
      expect(await backward(readAtHandle(handle), size, 64 * 1024)).toEqual([...want].reverse());
      expect(await backward(readAtHandle(handle), size, 1000)).toEqual([...want].reverse());
    } finally {
      await handle.close();
    }
  });
});
