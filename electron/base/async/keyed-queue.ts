/**
 * Serial queues. A KeyedQueue runs jobs for the same key one after another, in the order they were
 * queued, and jobs for different keys side by side; a failed job does not stop the next. A
 * SerialQueue is the one-key case. The wallet uses them so the vault and the audit log write one
 * change at a time, a connection never has two browser sign-ins at once, and a refresh token is
 * never spent twice.
 */
export class KeyedQueue<K = string> {
  /** Per key, the promise that settles when the last queued job has settled; never rejects. */
  private readonly tails = new Map<K, Promise<void>>();

  /** Queues `job` behind every job already queued for `key`; settles as the job does. */
  run<T>(key: K, job: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether any job for `key` is queued or running. */
  isBusy(key: K): boolean {
    return this.tails.has(key);
  }
}

const ONLY = 0;

/** Runs jobs one at a time, in the order they were queued; a failed job does not stop the next. */
export class SerialQueue {
  private readonly queue = new KeyedQueue<typeof ONLY>();

  run<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(ONLY, job);
  }

  /** Whether any job is queued or running. */
  isBusy(): boolean {
    return this.queue.isBusy(ONLY);
  }
}
