import { describe, expect, it } from 'vitest';
import type { ScenarioRun } from './harness.js';
import { chooseNegotiation } from './mcp-session.js';
import { formatVerdict, judgeScenario, type ScenarioVerdict } from './results.js';
import { isScored, scoreLine } from './scoring.js';

function run(overrides: Partial<ScenarioRun>): ScenarioRun {
  return { exitCode: 0, stdout: '', stderr: '', resultDir: undefined, skipped: false, durationMs: 1000, ...overrides };
}

function verdict(scenario: string, passed: boolean): ScenarioVerdict {
  return { scenario, passed, skipped: false, reason: passed ? '' : 'failed', checks: { success: 0, failure: 0, warning: 0 }, durationMs: 1 };
}

describe('judging a scenario run', () => {
  it('counts a scenario the harness skipped (exit 0) as not run, never as passed', () => {
    const skipped = judgeScenario(
      'auth/2025-03-26-oauth-endpoint-fallback',
      run({ skipped: true, stdout: "SKIPPED: scenario 'auth/2025-03-26-oauth-endpoint-fallback' is not applicable at spec version 2025-11-25\n" }),
    );
    expect(skipped.passed).toBe(false);
    expect(formatVerdict(skipped)).toMatch(/^SKIP auth\/2025-03-26-oauth-endpoint-fallback: not run, scenario .* is not applicable/u);
    expect(scoreLine('backcompat', [skipped, verdict('auth/2025-03-26-oauth-metadata-backcompat', true)])).toBe(
      'backcompat: 1/2 (1 skipped by the harness, not run)',
    );
  });

  it('takes the harness exit code as the verdict', () => {
    expect(judgeScenario('auth/iss-supported', run({ exitCode: 0 })).passed).toBe(true);
    expect(judgeScenario('auth/iss-supported', run({ exitCode: 1 })).passed).toBe(false);
  });
});

describe('score lines', () => {
  it('scores the draft auth scenarios and reports the client-layer ones beside them', () => {
    const draft = [verdict('auth/iss-supported', true), verdict('auth/authorization-server-migration', false), verdict('request-metadata', true), verdict('sep-2322-client-request-state', false)];
    expect(scoreLine('draft', draft)).toBe('draft: 1/2 (+ 1/2 client-layer)');
    expect(isScored('draft', 'auth/authorization-server-migration')).toBe(true);
    expect(isScored('draft', 'sep-2322-client-request-state')).toBe(false);
  });

  it('scores the extensions like auth', () => {
    expect(scoreLine('extensions', [verdict('auth/dpop', false)])).toBe('extensions: 0/1');
    expect(isScored('extensions', 'auth/dpop')).toBe(true);
    expect(scoreLine('auth', [verdict('auth/basic-cimd', true)])).toBe('auth: 1/1');
  });
});

describe('the revision the adapter speaks', () => {
  it('pins the stateless wire when the harness asks for 2026-07-28, the 2025 handshake for older revisions, and probes when none is named', () => {
    expect(chooseNegotiation('2026-07-28')).toEqual({ pin: '2026-07-28' });
    expect(chooseNegotiation('2025-11-25')).toBe('legacy');
    expect(chooseNegotiation('2025-03-26')).toBe('legacy');
    expect(chooseNegotiation(undefined)).toBe('auto');
  });
});
