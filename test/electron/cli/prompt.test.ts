import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { CliIo, InputStream } from '../../../electron/cli/io.js';
import { readHiddenLine } from '../../../electron/cli/prompt.js';
import { CancelledError } from '../../../electron/cli/usage-error.js';
import { CapturedStream, ManualInterrupts } from './harness.js';

class FakeTty extends EventEmitter {
  readonly isTTY = true;
  raw = false;
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
  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    // not used by the prompt
  }
}

function ioWith(stdin: FakeTty): { io: CliIo; stderr: CapturedStream } {
  const stderr = new CapturedStream(true);
  const io: CliIo = {
    stdout: new CapturedStream(),
    stderr,
    stdin: stdin as unknown as InputStream,
    interrupts: new ManualInterrupts(),
    now: () => 0,
    schedule: () => () => undefined,
  };
  return { io, stderr };
}

describe('readHiddenLine', () => {
  it('reads a line in raw mode without echoing it, handling backspace', async () => {
    const tty = new FakeTty();
    const { io, stderr } = ioWith(tty);
    const answer = readHiddenLine(io, 'Vault passphrase: ');
    expect(tty.raw).toBe(true);
    tty.emit('data', 'hunter');
    tty.emit('data', 'x\u007f2\r');
    expect(await answer).toBe('hunter2');
    expect(tty.raw).toBe(false);
    expect(stderr.text).toBe('Vault passphrase: \n');
  });

  it('Ctrl-C in the prompt cancels', async () => {
    const tty = new FakeTty();
    const { io } = ioWith(tty);
    const answer = readHiddenLine(io, 'Client secret: ');
    tty.emit('data', 'abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(CancelledError);
    expect(tty.raw).toBe(false);
    expect(tty.listenerCount('data')).toBe(0);
  });
});
