/**
 * A server-sent events parser for the proxy's Streamable HTTP transport: text in (chunks as they
 * arrive), events out. It reads the stream as the MCP SDK's parser (eventsource-parser) does: a
 * leading BOM dropped, lines ended by CRLF, LF or CR, `data` lines joined with newlines, an event
 * dispatched at a blank line when it has data, `id` per event (one holding NUL ignored), `retry`
 * only when all digits, comments and unknown fields ignored.
 */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseParser {
  feed(chunk: string): void;
}

export interface SseParserOptions {
  onEvent: (event: SseEvent) => void;
  onRetry?: (ms: number) => void;
  /** Pending text (a line not yet ended plus an event's data) beyond this ends the stream with an error. */
  maxBufferChars?: number;
}

/** The MCP SDK's stdio limit for one message, applied to one event here. */
const DEFAULT_MAX_BUFFER_CHARS = 10 * 1024 * 1024;

export function createSseParser(options: SseParserOptions): SseParser {
  const max = options.maxBufferChars ?? DEFAULT_MAX_BUFFER_CHARS;
  let pending = '';
  let first = true;
  let id: string | undefined;
  let event: string | undefined;
  let data = '';
  let dataLines = 0;
  /** A CR ended the last chunk: an LF opening the next one belongs to it. */
  let skipLf = false;

  const dispatch = (): void => {
    if (dataLines > 0) options.onEvent({ id, event, data });
    id = undefined;
    event = undefined;
    data = '';
    dataLines = 0;
  };

  const line = (text: string): void => {
    if (text === '') {
      dispatch();
      return;
    }
    if (text.charCodeAt(0) === 0x3a) return; // a comment
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
    if (field === 'data') {
      data = dataLines === 0 ? value : `${data}\n${value}`;
      dataLines += 1;
    } else if (field === 'event') {
      event = value === '' ? undefined : value;
    } else if (field === 'id') {
      if (!value.includes('\0')) id = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) options.onRetry?.(Number.parseInt(value, 10));
    }
  };

  return {
    feed(chunk) {
      let text = chunk;
      if (first && text !== '') {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (skipLf && text.charCodeAt(0) === 0x0a) text = text.slice(1);
      skipLf = false;
      text = pending === '' ? text : pending + text;
      let start = 0;
      for (;;) {
        const lf = text.indexOf('\n', start);
        const cr = text.indexOf('\r', start);
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        if (end === -1) break;
        line(text.slice(start, end));
        start = end + 1;
        if (end === cr && text.charCodeAt(start) === 0x0a) start += 1;
        else if (end === cr && start === text.length) skipLf = true;
      }
      pending = text.slice(start);
      if (pending.length + data.length > max) {
        pending = '';
        data = '';
        dataLines = 0;
        throw new Error(`An event from the MCP server is larger than ${max} characters.`);
      }
    },
  };
}
