import { describe, expect, it } from 'vitest';
import { formatCompactDuration, formatTimeSpan, parseDuration, parseTimeSpec, requireDuration, resolveTime } from '../../../electron/cli/duration.js';
import { UsageError } from '../../../electron/cli/usage-error.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['8h', 28_800_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    [' 2M ', 120_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '1.5h', '-1h', '0s', '1w', '1h 30m', 'soon', '9'.repeat(30) + 'd'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('requireDuration', () => {
  const bounds = { minMs: 60_000, maxMs: 3_600_000 };
  it('returns the milliseconds within bounds', () => {
    expect(requireDuration('15m', 'ttl', bounds)).toBe(900_000);
    expect(requireDuration('1h', 'ttl', bounds)).toBe(3_600_000);
  });
  it('names the option and the range when out of bounds or malformed', () => {
    expect(() => requireDuration('2h', 'ttl', bounds)).toThrow(
      expect.objectContaining({ message: '--ttl 2h is out of range.', hint: 'Use a duration between 1m and 1h.' }) as Error,
    );
    expect(() => requireDuration('30s', 'ttl', bounds)).toThrow(UsageError);
    expect(() => requireDuration('soon', 'ttl', bounds)).toThrow(/--ttl "soon" is not a duration/);
  });
});

describe('parseTimeSpec / resolveTime', () => {
  const now = 1_700_000_000_000;
  it('a duration is relative: ago for --since, from now for --expires', () => {
    const spec = parseTimeSpec('1h', 'since');
    expect(spec).toEqual({ kind: 'relative', ms: 3_600_000 });
    expect(resolveTime(spec, now, 'ago')).toBe(now - 3_600_000);
    expect(resolveTime(spec, now, 'from-now')).toBe(now + 3_600_000);
  });
  it('an ISO time is absolute', () => {
    const spec = parseTimeSpec('2023-11-14T22:13:20Z', 'since');
    expect(spec).toEqual({ kind: 'absolute', time: now });
    expect(resolveTime(spec, 0, 'ago')).toBe(now);
    expect(parseTimeSpec('2023-11-14', 'since')).toEqual({ kind: 'absolute', time: Date.parse('2023-11-14') });
    expect(parseTimeSpec('2023-11-14T23:13:20+01:00', 'since')).toEqual({ kind: 'absolute', time: now });
  });
  it.each(['yesterday', 'Tue Nov 14 2023', '2023-13-45', '12:00'])('refuses %j with the option name', (text) => {
    expect(() => parseTimeSpec(text, 'since')).toThrow(/--since ".*" is neither a duration nor an ISO time/);
  });
});

describe('formatCompactDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [900_000, '15m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [604_800_000, '7d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatCompactDuration(ms)).toBe(text);
  });
});

describe('formatTimeSpan', () => {
  it.each([
    [5_000, '5s'],
    [245_000, '4m 05s'],
    [3_720_000, '1h 02m'],
    [86_400_000, '1d 00h'],
    [7 * 86_400_000 - 3_600_000, '6d 23h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatTimeSpan(ms)).toBe(text);
  });
});
