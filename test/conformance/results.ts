/**
 * Turns one harness scenario run into a verdict line: `PASS name`, `FAIL name: reason` or
 * `SKIP name: …`. The verdict is the harness' own (its exit code: a FAILURE or WARNING check, a
 * timeout, or a client error in a scenario that does not allow one); the reason comes from its
 * checks.json. A scenario the harness skipped (exit 0, nothing run) is never a pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ScenarioRun } from './harness.js';

const Check = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  status: z.string(),
  errorMessage: z.string().optional(),
  details: z.unknown().optional(),
});
type Check = z.infer<typeof Check>;

export interface ScenarioVerdict {
  scenario: string;
  /** True only when the scenario ran and the harness passed it. */
  passed: boolean;
  skipped: boolean;
  /** One line; empty when passed. */
  reason: string;
  checks: { success: number; failure: number; warning: number };
  durationMs: number;
}

function readChecks(resultDir: string | undefined): Check[] {
  if (resultDir === undefined) return [];
  const file = path.join(resultDir, 'checks.json');
  if (!existsSync(file)) return [];
  const parsed = z.array(Check).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : [];
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Why the client failed, from its stderr as the harness saved it. */
function readClientError(resultDir: string | undefined): string | undefined {
  if (resultDir === undefined) return undefined;
  const file = path.join(resultDir, 'stderr.txt');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  // Our adapter's own verdict line; failing that (it crashed before main), the first error Node printed.
  return lines.filter((line) => line.startsWith('latchkey-conformance: error')).at(-1) ?? lines.find((line) => /^\w*Error\b/u.test(line));
}

function describeCheck(check: Check): string {
  const text = check.errorMessage ?? check.description ?? '';
  const details = check.details === undefined ? '' : ` ${JSON.stringify(check.details)}`;
  return oneLine(`[${check.status} ${check.id}] ${text}${details}`);
}

function explainFailure(run: ScenarioRun, checks: Check[]): string {
  const bad = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING');
  const parts: string[] = [];
  // What the client said first (it is usually the cause), then what the harness checked.
  const clientError = readClientError(run.resultDir);
  if (clientError !== undefined) parts.push(oneLine(clientError.replace('latchkey-conformance: ', 'client ')));
  if (/CLIENT TIMED OUT|Client timed out/u.test(run.stderr)) parts.push('client timed out');
  parts.push(...bad.slice(0, 2).map(describeCheck));
  if (bad.length > 2) parts.push(`+${bad.length - 2} more checks`);
  if (parts.length === 0) {
    const harnessError = run.stderr.split('\n').find((line) => /error/iu.test(line));
    parts.push(oneLine(harnessError ?? `harness exited ${run.exitCode}`));
  }
  return parts.join('; ');
}

export function judgeScenario(scenario: string, run: ScenarioRun): ScenarioVerdict {
  const checks = readChecks(run.resultDir);
  const count = (status: string): number => checks.filter((check) => check.status === status).length;
  const passed = run.exitCode === 0 && !run.skipped;
  const skipReason = oneLine(/^SKIPPED: (.+)$/mu.exec(run.stdout)?.[1] ?? 'the harness did not run it');
  return {
    scenario,
    passed,
    skipped: run.skipped,
    reason: passed ? '' : run.skipped ? skipReason : explainFailure(run, checks),
    checks: { success: count('SUCCESS'), failure: count('FAILURE'), warning: count('WARNING') },
    durationMs: run.durationMs,
  };
}

export function formatVerdict(verdict: ScenarioVerdict): string {
  const seconds = (verdict.durationMs / 1000).toFixed(1);
  if (verdict.passed) return `PASS ${verdict.scenario} (${verdict.checks.success} checks, ${seconds}s)`;
  if (verdict.skipped) return `SKIP ${verdict.scenario}: not run, ${verdict.reason}`;
  return `FAIL ${verdict.scenario}: ${verdict.reason} (${seconds}s)`;
}
