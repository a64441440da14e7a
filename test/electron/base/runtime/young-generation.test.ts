/**
 * A wallet host's cap on V8's young generation (young-generation.ts): its logic against a fake of
 * V8, and the real cap in a Node process that allocates in turns of the event loop, as a host does.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capYoungGeneration, MAX_SEMI_SPACE_MB, type YoungGenerationPort } from '../../../../electron/base/runtime/young-generation.js';

const MB = 1024 * 1024;
const MODULE_URL = pathToFileURL(resolve(import.meta.dirname, '../../../../electron/base/runtime/young-generation.ts')).href;

function fakeV8(youngMb: number): YoungGenerationPort & { young: number; stops: number; listeners: Set<() => void>; collect(): void } {
  const listeners = new Set<() => void>();
  return {
    young: youngMb * MB,
    stops: 0,
    listeners,
    youngBytes() {
      return this.young;
    },
    stopGrowth() {
      this.stops += 1;
    },
    afterGc(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    collect() {
      for (const listener of [...listeners]) listener();
    },
  };
}

/** The young generation's size in MB after 200 turns that each allocate 20,000 objects and keep the last five turns' (with the cap or without). */
function youngGenerationMbAfterChurn(cap: boolean): number {
  const script =
    (cap ? `const { capYoungGeneration } = await import(${JSON.stringify(MODULE_URL)}); capYoungGeneration();` : '') +
    "const v8 = await import('node:v8'); const keep = [];" +
    'for (let i = 0; i < 200; i++) { const a = []; for (let j = 0; j < 20000; j++) a.push({ j, s: "x" + j }); keep.push(a); if (keep.length > 5) keep.shift(); await new Promise((r) => setImmediate(r)); }' +
    "process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576));";
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout);
}

describe('the cap on the young generation', () => {
  it('stops V8 growing it once it reaches 4 MB a semi-space (8 MB in all), once, and then stops watching', () => {
    const v8 = fakeV8(2);
    capYoungGeneration(v8);
    expect(v8.listeners.size).toBe(1);
    v8.young = 4 * MB;
    v8.collect();
    expect(v8.stops).toBe(0);
    v8.young = 2 * MAX_SEMI_SPACE_MB * MB;
    v8.collect();
    expect(v8.stops).toBe(1);
    expect(v8.listeners.size).toBe(0);
  });

  it('stops it at once when it is already there, without watching', () => {
    const v8 = fakeV8(16);
    capYoungGeneration(v8);
    expect(v8.stops).toBe(1);
    expect(v8.listeners.size).toBe(0);
  });

  it('returns what stops the watching', () => {
    const v8 = fakeV8(2);
    const stop = capYoungGeneration(v8);
    stop();
    expect(v8.listeners.size).toBe(0);
  });

  it('in a real Node, stopping the growth leaves code caches made before it valid (the compile cache the CLI shares is not rewritten)', () => {
    const script =
      `const { v8YoungGeneration } = await import(${JSON.stringify(MODULE_URL)}); const vm = await import('node:vm');` +
      "const source = 'function twice(x) { return 2 * x; } twice(3);'; const data = new vm.Script(source).createCachedData();" +
      'v8YoungGeneration.stopGrowth(); process.stdout.write(String(new vm.Script(source, { cachedData: data }).cachedDataRejected));';
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('false');
  });

  it('in a real Node, allocation that grows the young generation past 16 MB keeps it at 8 MB with the cap, no flag on the command line', () => {
    expect(youngGenerationMbAfterChurn(false)).toBeGreaterThan(16);
    expect(youngGenerationMbAfterChurn(true)).toBeLessThanOrEqual(2 * MAX_SEMI_SPACE_MB);
  });
});
