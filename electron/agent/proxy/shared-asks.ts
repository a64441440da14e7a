/**
 * Asks to the wallet that several of the agent's requests wait on at once (T15): the wallet's
 * approval queue allows one pending approval per (kind, agent, resource), so two requests that
 * need the same page share one ask instead of the second being refused with 429. An ask is
 * withdrawn (its signal aborted) only when every request waiting on it has left.
 */

interface Entry<T> {
  controller: AbortController;
  result: Promise<T>;
  waiting: number;
}

export class SharedAsks<T> {
  private readonly entries = new Map<string, Entry<T>>();

  /** Whether an ask under `key` is under way. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Waits on the ask under `key`, starting it with `run` when none is under way. Rejects with
   * `signal.reason` when this caller's signal aborts; the ask goes on while others wait on it.
   */
  join(key: string, signal: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const entry = this.entries.get(key) ?? this.start(key, run);
    entry.waiting += 1;
    return new Promise<T>((resolve, reject) => {
      const leave = (): void => {
        signal.removeEventListener('abort', onAbort);
        entry.waiting -= 1;
      };
      const onAbort = (): void => {
        leave();
        if (entry.waiting === 0) this.withdraw(key, entry);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.result.then(
        (value) => {
          leave();
          resolve(value);
        },
        (error: unknown) => {
          leave();
          reject(error as Error);
        },
      );
    });
  }

  private start(key: string, run: (signal: AbortSignal) => Promise<T>): Entry<T> {
    const controller = new AbortController();
    let result: Promise<T>;
    try {
      result = run(controller.signal);
    } catch (error) {
      result = Promise.reject(error as Error);
    }
    const entry: Entry<T> = { controller, result, waiting: 0 };
    this.entries.set(key, entry);
    const forget = (): void => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    result.then(forget, forget);
    return entry;
  }

  private withdraw(key: string, entry: Entry<T>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.controller.abort(new DOMException('Nobody waits for this any more.', 'AbortError'));
  }
}
