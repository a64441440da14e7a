/**
 * How each suite is scored and the one line per suite the runner ends with:
 *
 * - `auth: N/14` — every auth scenario at the harness' default revision (2025-11-25).
 * - `draft: N/11 (+ M/6 client-layer)` — the draft suite holds every scenario introduced in
 *   2026-07-28: the 11 `auth/*` ones are the score (each its own run, the client's exit code
 *   counting); the other 6 (request metadata, multi-round-trip requests, HTTP headers, JSON
 *   Schema `$ref`) test the MCP client layer and are reported beside it.
 * - `backcompat: N/2` — the 2025-03-26 scenarios, run without --spec-version.
 * - `extensions: N/6` — the MCP authorization extensions: client credentials (basic and
 *   private_key_jwt), DPoP (with and without nonces), enterprise-managed authorization (ID-JAG)
 *   and workload identity (JWT bearer). Scored like auth.
 *
 * A skipped scenario counts as not passed and is named on the line.
 */
import type { ScenarioVerdict } from './results.js';

export const ALL_SUITES = ['auth', 'draft', 'backcompat', 'extensions'] as const;
/** What the registry's 0.1.16 can run. */
export const FALLBACK_SUITES: readonly string[] = ['auth'];

/** Draft scenarios that are part of the score: the authorization ones. */
function isDraftAuth(scenario: string): boolean {
  return scenario.startsWith('auth/');
}

/** Whether a failure of this scenario fails the run (exit 1). */
export function isScored(group: string, scenario: string): boolean {
  if (group === 'draft') return isDraftAuth(scenario);
  return true;
}

function count(verdicts: readonly ScenarioVerdict[]): string {
  return `${verdicts.filter((v) => v.passed).length}/${verdicts.length}`;
}

function skippedNote(verdicts: readonly ScenarioVerdict[]): string {
  const skipped = verdicts.filter((v) => v.skipped).length;
  return skipped === 0 ? '' : ` (${skipped} skipped by the harness, not run)`;
}

export function scoreLine(group: string, verdicts: readonly ScenarioVerdict[]): string {
  if (group === 'draft') {
    const scored = verdicts.filter((v) => isDraftAuth(v.scenario));
    const clientLayer = verdicts.filter((v) => !isDraftAuth(v.scenario));
    return `draft: ${count(scored)} (+ ${count(clientLayer)} client-layer)${skippedNote(verdicts)}`;
  }
  return `${group}: ${count(verdicts)}${skippedNote(verdicts)}`;
}
