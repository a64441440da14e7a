/**
 * A terminal on stdin for the CLI's prompts, and the CLI's streams around it: the tests of the
 * hidden-line prompt and of the yes/no confirmations type into it.
 */
import { EventEmitter } from 'node:events';
import type { CliIo, InputStream } from '../../../electron/cli/io.js';
import { CapturedStream, ManualInterrupts } from './harness.js';

/** Records raw mode; types `answer` (when given) as soon as a prompt listens, else what the test emits. */
export class FakeTty extends EventEmitter {
  readonly isTTY = true;
  raw = false;
  constructor(private readonly answer?: string) {
    super();
  }
  setRawMode(raw: boolean): this {
    this.raw = raw;
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  override on(event: string, listener: (...args: unknown[]) => void): this {
    super.on(event, listener);
    const answer = this.answer;
    if (event === 'data' && answer !== undefined) queueMicrotask(() => this.emit('data', answer));
    return this;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    // not read: the prompts listen for keys
  }
}

/** The CLI's streams with `tty` as stdin and a terminal on stderr (where prompts write). */
export function ttyIo(tty: FakeTty): { io: CliIo; stdout: CapturedStream; stderr: CapturedStream } {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream(true);
  const io: CliIo = { stdout, stderr, stdin: tty as unknown as InputStream, interrupts: new ManualInterrupts(), now: () => 0, schedule: () => () => undefined };
  return { io, stdout, stderr };
}
