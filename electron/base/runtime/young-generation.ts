/**
 * A wallet host's cap on V8's young generation, set while it runs: 4 MB a semi-space instead of
 * V8's 16. V8 grows the young generation for good once enough has survived scavenges, and a burst
 * of owner audit queries (a thousand events each) is enough: the daemon with 100 agents, 1,000
 * grants and 100,000 audit events went from 82 MB after start to 99–100 MB after the queries.
 *
 * Not `--max-semi-space-size=4` on node's command line: V8 reads that once, at start, so the host
 * had to be started with it or start itself again (execve), and any V8 flag on the command line
 * makes node refuse the code cache embedded in it for its own modules, which are then compiled
 * from source. Both cost the daemon's start-up to a ready bridge about 80 ms (200 → 280 ms here).
 * Instead, once the young generation has grown to the cap, V8's growth factor is set to 1
 * (`--semi-space-growth-factor`, which V8 reads each time it would grow), so it grows no more.
 * Set at run time it leaves code caches valid, so the host does not rewrite the compile cache it
 * shares with every other `latchkey` command.
 * The size is checked after each garbage collection, in a later task: one synchronous burst of
 * allocation can grow it one step past the cap (to 8 MB a semi-space) before the check runs.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The cap, in MB a semi-space (the young generation holds two). */
export const MAX_SEMI_SPACE_MB = 4;
const CAP_BYTES = 2 * MAX_SEMI_SPACE_MB * 1024 * 1024;

/** What the cap needs of V8 (a fake in unit tests). */
export interface YoungGenerationPort {
  /** The young generation's size now, bytes (both semi-spaces). */
  youngBytes(): number;
  /** From now on, V8 does not grow the young generation. */
  stopGrowth(): void;
  /** Calls `listener` after garbage collections; returns the unsubscribe. */
  afterGc(listener: () => void): () => void;
}

export const v8YoungGeneration: YoungGenerationPort = {
  youngBytes: () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
  stopGrowth: () => setFlagsFromString('--semi-space-growth-factor=1'),
  afterGc(listener) {
    const observer = new PerformanceObserver(() => listener());
    observer.observe({ entryTypes: ['gc'] });
    return () => observer.disconnect();
  },
};

/**
 * Stops the young generation's growth once it reaches MAX_SEMI_SPACE_MB a semi-space (at once if
 * it already has). Returns a function that stops watching. Call it once per process, in a wallet
 * host only: it changes a V8 setting for the whole process.
 */
export function capYoungGeneration(port: YoungGenerationPort = v8YoungGeneration): () => void {
  const reached = (): boolean => port.youngBytes() >= CAP_BYTES;
  if (reached()) {
    port.stopGrowth();
    return () => undefined;
  }
  const unsubscribe = port.afterGc(() => {
    if (!reached()) return;
    port.stopGrowth();
    unsubscribe();
  });
  return unsubscribe;
}
