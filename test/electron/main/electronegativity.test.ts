/**
 * E2 (threat T18): Electronegativity over the shell (main + preload) reports no HIGH finding.
 * It exits 0 whatever it finds, so the test reads its CSV report.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const cli = join(root, 'node_modules/@doyensec/electronegativity/dist/index.js');
let work: string | undefined;

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface Finding {
  check: string;
  severity: string;
  file: string;
}

function parseReport(csv: string): Finding[] {
  const [header, ...rows] = csv.trim().split('\n');
  expect(header).toMatch(/^issue, severity, confidence, filename/);
  return rows.map((row) => {
    const match = /^([A-Z_]+),"(\w+)","\w+","([^"]*)"/.exec(row);
    if (match === null) throw new Error(`unreadable report row: ${row}`);
    return { check: match[1]!, severity: match[2]!, file: match[3]! };
  });
}

describe('E2: Electronegativity', () => {
  it('E2: 0 HIGH findings in electron/main and electron/preload', { timeout: 120_000 }, async () => {
    work = await mkdtemp(join(tmpdir(), 'latchkey-electronegativity-'));
    const app = join(work, 'app');
    await cp(join(root, 'electron/main'), join(app, 'main'), { recursive: true });
    await cp(join(root, 'electron/preload'), join(app, 'preload'), { recursive: true });
    const report = join(work, 'report.csv');
    await promisify(execFile)(process.execPath, [cli, '-i', app, '-o', report, '-r', '-e', '45.4.1', '-v', 'false'], { cwd: work, timeout: 110_000 });
    const csv = await readFile(report, 'utf8');
    const findings = parseReport(csv);
    // The scan did read our sources: the window's preload always draws a (MEDIUM) review note.
    expect(findings.some((f) => f.file.endsWith('window.ts')), csv).toBe(true);
    expect(findings.filter((f) => f.severity === 'HIGH'), csv).toEqual([]);
  });
});
