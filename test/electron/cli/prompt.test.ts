import { describe, expect, it } from 'vitest';
import { readHiddenLine } from '../../../electron/cli/prompt.js';
import { CancelledError } from '../../../electron/cli/usage-error.js';
import { FakeTty, ttyIo } from './fake-tty.js';

describe('readHiddenLine', () => {
  it('reads a line in raw mode without echoing it, handling backspace', async () => {
    const tty = new FakeTty();
    const { io, stderr } = ttyIo(tty);
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
    const { io } = ttyIo(tty);
    const answer = readHiddenLine(io, 'Client secret: ');
    tty.emit('data', 'abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(CancelledError);
    expect(tty.raw).toBe(false);
    expect(tty.listenerCount('data')).toBe(0);
  });
});
