/**
 * The guarded fetch (safe-fetch.ts), built on its first request: undici and its connection pool
 * load only in a process that goes to the network. A wallet that never does (`latchkey token` with
 * a valid cached token) or not yet (a daemon before its first refresh) starts without them. The
 * options and every check per request are safe-fetch's own; this module only defers building it.
 */
import type { SafeFetch, SafeFetchOptions } from './safe-fetch.js';

export function createLazySafeFetch(options: SafeFetchOptions): SafeFetch {
  let built: Promise<SafeFetch> | undefined;
  let closed = false;
  const build = (): Promise<SafeFetch> =>
    (built ??= import('./safe-fetch.js').then(async ({ createSafeFetch }) => {
      const safeFetch = createSafeFetch(options);
      // Asked after close: a closed pool answers, as the eager fetch's would.
      if (closed) await safeFetch.close();
      return safeFetch;
    }));
  const lazyFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => (await build())(input, init);
  return Object.assign(lazyFetch, {
    close: async (): Promise<void> => {
      closed = true;
      if (built !== undefined) await (await built).close();
    },
  });
}
