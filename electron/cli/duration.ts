/**
 * Durations and points in time as the CLI takes them: "90s", "15m", "1h", "8h", "7d" (units may
 * be combined: "1h30m"), or an ISO 8601 time. Parsing needs no clock; a relative time is turned
 * into an instant when the command runs (`resolveTime`).
 */
import { formatDuration } from './output.js';
import { UsageError } from './usage-error.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+[smhd])+$/u;
const PART = /(\d+)([smhd])/gu;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/u;

/** Milliseconds, or undefined when `text` is not a duration such as 90s, 15m, 1h30m or 7d. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  return Number.isSafeInteger(total) && total > 0 ? total : undefined;
}

/** A duration option checked against bounds, in milliseconds; a UsageError names the option. */
export function requireDuration(text: string, option: string, bounds: { minMs: number; maxMs: number }): number {
  const ms = parseDuration(text);
  const range = `between ${formatCompactDuration(bounds.minMs)} and ${formatCompactDuration(bounds.maxMs)}`;
  if (ms === undefined) {
    throw new UsageError(`--${option} "${text}" is not a duration.`, `Use a number and a unit (s, m, h, d) ${range}, e.g. --${option} 15m.`);
  }
  if (ms < bounds.minMs || ms > bounds.maxMs) throw new UsageError(`--${option} ${text} is out of range.`, `Use a duration ${range}.`);
  return ms;
}

/** A point in time as given: relative to when the command runs, or absolute (epoch ms). */
export type TimeSpec = { kind: 'relative'; ms: number } | { kind: 'absolute'; time: number };

/** Parses "1h" (relative) or "2025-01-31T12:00:00Z" (absolute); a UsageError names the option. */
export function parseTimeSpec(text: string, option: string): TimeSpec {
  const ms = parseDuration(text);
  if (ms !== undefined) return { kind: 'relative', ms };
  const trimmed = text.trim();
  const time = ISO_TIME.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`--${option} "${text}" is neither a duration nor an ISO time.`, `For example: --${option} 1h, or --${option} 2025-01-31T12:00:00Z.`);
  }
  return { kind: 'absolute', time };
}

/** The instant a TimeSpec means at `now`: a relative one counts back ('ago') or forward ('from-now'). */
export function resolveTime(spec: TimeSpec, now: number, direction: 'ago' | 'from-now'): number {
  if (spec.kind === 'absolute') return spec.time;
  return direction === 'ago' ? now - spec.ms : now + spec.ms;
}

/** "7d", "1h30m", "15m", "1m30s", "45s": the largest units, without zero parts. */
export function formatCompactDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const amount = Math.floor(rest / seconds);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * seconds;
  }
  return parts.join('');
}

/** Time left or passed, for lists: "4m 05s", "1h 02m", and from a day on "6d 23h". */
export function formatTimeSpan(ms: number): string {
  const hours = Math.floor(Math.max(0, ms) / 3_600_000);
  if (hours < 24) return formatDuration(ms);
  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
}
