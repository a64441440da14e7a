/** The one serial queue: same key in order, different keys side by side, failures do not block. */
import { describe, expect, it } from 'vitest';
import { KeyedQueue, SerialQueue } from '../../../../electron/base/async/keyed-queue.js';

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

function gate(): Gate {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('KeyedQueue', () => {
  it('runs jobs for one key one after another, in the order queued', async () => {
    const queue = new KeyedQueue();
    const first = gate();
    const log: string[] = [];
    const a = queue.run('k', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
      return 'a';
    });
    const b = queue.run('k', async () => {
      log.push('b');
      return 'b';
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.open();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('runs jobs for different keys side by side', async () => {
    const queue = new KeyedQueue();
    const held = gate();
    const slow = queue.run('one', () => held.promise.then(() => 'slow'));
    await expect(queue.run('two', () => Promise.resolve('fast'))).resolves.toBe('fast');
    expect(queue.isBusy('one')).toBe(true);
    held.open();
    await expect(slow).resolves.toBe('slow');
  });

  it('a failed job rejects its own caller and does not stop the next', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('k', () => Promise.reject(new Error('boom')));
    const thrown = queue.run('k', () => {
      throw new Error('sync boom');
    });
    const next = queue.run('k', () => Promise.resolve(7));
    await expect(failed).rejects.toThrow('boom');
    await expect(thrown).rejects.toThrow('sync boom');
    await expect(next).resolves.toBe(7);
  });

  it('forgets a key once its last job has settled', async () => {
    const queue = new KeyedQueue();
    expect(queue.isBusy('k')).toBe(false);
    const job = queue.run('k', () => Promise.resolve(1));
    expect(queue.isBusy('k')).toBe(true);
    await job;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(queue.isBusy('k')).toBe(false);
  });
});

describe('SerialQueue', () => {
  it('runs every job in order, past a failure', async () => {
    const queue = new SerialQueue();
    const log: number[] = [];
    const jobs = [1, 2, 3].map((n) =>
      queue.run(async () => {
        log.push(n);
        if (n === 2) throw new Error('two');
        return n;
      }),
    );
    const settled = await Promise.allSettled(jobs);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual([1, 2, 3]);
  });
});
