/** Latency samples → p50/p99/max and throughput; ratios that stay printable when a side is 0. */

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests per second over the measured wall time. */
  throughputPerSecond: number;
}

/** Nearest-rank percentile of ascending-sorted samples (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function summarize(samplesMs: readonly number[], wallMs: number): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    throughputPerSecond: wallMs > 0 ? (sorted.length / wallMs) * 1000 : Number.NaN,
  };
}

/** Joins the samples and wall times of repeated rounds of one measurement. */
export function mergeRounds(rounds: ReadonlyArray<{ samplesMs: readonly number[]; wallMs: number }>): LatencySummary {
  return summarize(
    rounds.flatMap((r) => r.samplesMs),
    rounds.reduce((sum, r) => sum + r.wallMs, 0),
  );
}

export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : Number.NaN;
}
