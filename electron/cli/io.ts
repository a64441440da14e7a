/**
 * What a CLI command may touch of the outside world. Commands get a `CliIo`, never `process`,
 * so each one runs in tests against captured streams.
 */

export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface InputStream extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean;
  /** Present on TTY streams: turns echo and line editing off. */
  setRawMode?(raw: boolean): unknown;
  setEncoding?(encoding: BufferEncoding): unknown;
  on?(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  off?(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/** Ctrl-C. `onInterrupt` returns the function that unsubscribes. */
export interface InterruptSource {
  onInterrupt(handler: () => void): () => void;
}

/** Repeats `tick` every `everyMs` until the returned function is called. */
export type Scheduler = (tick: () => void, everyMs: number) => () => void;

export interface CliIo {
  /** Results only: what a script pipes somewhere. */
  stdout: OutputStream;
  /** Progress, warnings, errors. */
  stderr: OutputStream;
  stdin: InputStream;
  interrupts: InterruptSource;
  now(): number;
  schedule: Scheduler;
  /** The terminal's width for tables; undefined (a pipe, a file) means no limit. */
  columns?(): number | undefined;
}

export const intervalScheduler: Scheduler = (tick, everyMs) => {
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

/** Writes one line (a newline is added). */
export function writeLine(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
