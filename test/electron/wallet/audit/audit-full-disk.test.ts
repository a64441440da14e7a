/**
 * A write the disk cannot take in full (here a file size limit, prlimit --fsize, on a real child
 * process): the appends of that group are refused, their bytes are cut off again, and the records
 * written after it follow the ones before it with nothing unfinished in between, so the chain
 * verifies and every acknowledged record is there.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../../electron/wallet/audit/audit-log.js';

const LIMIT = 20_000;
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit log on a full disk', () => {
  it.skipIf(!hasPrlimit)('a group that does not fit is refused and cut off; the records after it chain to the ones before (skipped only without util-linux prlimit)', async () => {
    const child = join(dir, 'child.cjs');
    await build({ entryPoints: [join(import.meta.dirname, 'full-disk-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: child, external: ['keytar'], logLevel: 'error' });
    const path = join(dir, 'audit.jsonl');
    const run = spawnSync('prlimit', [`--fsize=${LIMIT}`, process.execPath, child, path, String(LIMIT)], { encoding: 'utf8' });
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('error')), run.stderr).toEqual([]);
    expect(lines).toContain('refused 20');
    const acked = lines.filter((line) => line.startsWith('ack ')).map((line) => Number(line.slice(4)));
    expect(acked.length).toBeGreaterThan(10);

    const log = await openAuditLog({ path });
    try {
      expect((await log.verify()).ok).toBe(true);
      const events = await log.query();
      expect(events.map((event) => event.seq)).toEqual(acked);
      expect(events.some((event) => event.type === 'audit.tail_removed')).toBe(false);
    } finally {
      await log.close();
    }
  });
});
