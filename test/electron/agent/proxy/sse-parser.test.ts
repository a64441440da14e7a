import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../../../../electron/agent/proxy/sse-parser.js';

function parse(chunks: string[], maxBufferChars?: number): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = createSseParser({
    onEvent: (event) => void events.push(event),
    onRetry: (ms) => void retries.push(ms),
    ...(maxBufferChars === undefined ? {} : { maxBufferChars }),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries };
}

describe('SSE parser', () => {
  it('reads events whose lines end in LF, CRLF or CR, split anywhere across chunks', () => {
    const stream = '\ufeffid: 1\nevent: message\ndata: {"a":1}\n\nid: 2\r\ndata: first\r\ndata: second\r\n\r\ndata:x\r\r';
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const { events } = parse([stream.slice(0, cut), stream.slice(cut)]);
      expect(events, `cut at ${cut}`).toEqual([
        { id: '1', event: 'message', data: '{"a":1}' },
        { id: '2', event: undefined, data: 'first\nsecond' },
        { id: undefined, event: undefined, data: 'x' },
      ]);
    }
  });

  it('dispatches an event with a data line only, even an empty one (a priming event), and never one without', () => {
    const { events } = parse(['id: prime\ndata:\n\nid: lonely\n\n: a comment\n\n']);
    expect(events).toEqual([{ id: 'prime', event: undefined, data: '' }]);
  });

  it('takes retry only when all digits, ignores an id holding NUL and unknown fields', () => {
    const { events, retries } = parse(['retry: 1500\nretry: soon\nid: a\0b\nfoo: bar\ndata: d\n\n']);
    expect(retries).toEqual([1500]);
    expect(events).toEqual([{ id: undefined, event: undefined, data: 'd' }]);
  });

  it('refuses an event larger than its bound', () => {
    expect(() => parse([`data: ${'x'.repeat(100)}`], 50)).toThrow(/larger than 50/);
  });
});
