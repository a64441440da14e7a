/**
 * The audit log under a kill storm: a real child process appends hand-out records as fast as it
 * can (many in flight, so batches go out together), anchored in a real vault, in small segments,
 * and prints each acknowledged seq; it is SIGKILLed after a chosen number of acknowledgements,
 * restarted, and killed again. An acknowledged append is with the OS, so a killed process loses
 * none of them: every restart continues from at least the last acknowledged seq without finding a
 * gap, and at the end verify() finds the chain whole across every segment, reaching its anchor.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { FixedKeySecretStore } from '../../../fakes/fixed-key-secret-store.js';
import { buildSnapshotChild, type SnapshotChild } from '../vault/snapshot-child.js';
import { createTempDirs } from '../vault/temp-dirs.js';
import { KILL_STORM_SEGMENT_BYTES, vaultAnchorOf } from './audit-writer-child.js';
import { nextLine, startWriter } from '../vault/writer-process.js';

/** Acknowledgements before each kill: a few, around the 100-record sync, across several segments. */
const KILL_AFTER = [1, 3, 40, 99, 100, 101, 7, 160, 250, 12, 400, 60];

const dirs = createTempDirs('latchkey-audit-storm-');
let snapshot: SnapshotChild | undefined;
afterAll(() => {
  snapshot?.remove();
  dirs.removeAll();
});

describe('audit log: kill storm', () => {
  it(`SIGKILLed ${KILL_AFTER.length} times mid-append: every acknowledged record survives, the chain verifies and reaches its anchor`, { timeout: 300_000 }, async () => {
    snapshot = await buildSnapshotChild(join(import.meta.dirname, 'audit-writer-child.ts'), 'runAuditWriter');
    const key = randomBytes(32).toString('base64');
    const store = new FixedKeySecretStore(key);
    const dir = dirs.make();
    await (await openVault({ dir, mode: 'keychain', secretStore: store })).close();

    const acked = new Set<number>();
    let lastAcked = -1;
    let next = startWriter(snapshot.args, key);
    for (const [round, killAfter] of KILL_AFTER.entries()) {
      const writer = next;
      expect(await nextLine(writer)).toBe('ready');
      next = startWriter(snapshot.args, key); // warms up while this one writes
      writer.child.stdin.write(`go ${dir}\n`);
      let acks = 0;
      for (;;) {
        const line = await nextLine(writer);
        if (line === undefined) break;
        const [kind, value] = line.split(' ');
        if (kind === 'error') throw new Error(`round ${round}: the writer said: ${line}`);
        if (kind === 'open') expect(Number(value), `round ${round}: the head after a restart`).toBeGreaterThanOrEqual(lastAcked);
        if (kind !== 'ack') continue;
        const seq = Number(value);
        acked.add(seq);
        lastAcked = Math.max(lastAcked, seq);
        acks += 1;
        if (acks === killAfter) writer.child.kill('SIGKILL');
      }
      await writer.exited;
      expect(acks, `round ${round}: acknowledged before the kill`).toBeGreaterThanOrEqual(killAfter);
    }
    next.child.kill('SIGKILL');
    await next.exited;

    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    const anchor = vaultAnchorOf(vault);
    const log = await openAuditLog({ path: join(dir, 'audit.jsonl'), anchor, maxSegmentBytes: KILL_STORM_SEGMENT_BYTES });
    try {
      const result = await log.verify();
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(result.segments.length, 'rotated into several segments').toBeGreaterThan(3);
      const events = await log.query();
      const seqs = new Set(events.map((event) => event.seq));
      const removals = events.filter((event) => event.type === 'audit.tail_removed').length;
      const lost = [...acked].filter((seq) => !seqs.has(seq));
      expect(lost, 'acknowledged but not in the log').toEqual([]);
      const anchored = anchor.read();
      expect(anchored, 'the killed writers anchored the log').toBeDefined();
      expect(anchored?.seq ?? -1).toBeLessThanOrEqual(log.head()?.seq ?? -1);
      console.log(`audit kill storm: ${KILL_AFTER.length} SIGKILLs, ${acked.size} acknowledged appends, ${seqs.size} records in ${result.segments.length} segments, anchored at ${anchored?.seq ?? 'none'}, ${removals} unfinished writes removed at open`);
    } finally {
      await log.close();
      await vault.close();
    }
  });
});
