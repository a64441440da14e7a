/**
 * Child process of the audit kill storm, run from a Node startup snapshot (../vault/snapshot-child.ts),
 * so nothing happens at load time: the snapshot's main calls runAuditWriter. It opens the audit log
 * in small segments, anchored in a real vault as the wallet anchors it (after every sync), and appends hand-out
 * records as fast as it can, many in flight. Protocol on stdio, one line each:
 *   → "ready"                  loaded, waiting
 *   ← "go <dir>"               open the vault and the audit log in <dir>
 *   → "open <seq>"             opened; the log's head (-1 when empty)
 *   → "ack <seq>"              an append resolved (its record is with the OS); forever, until killed
 *   → "error <message>"        opening or appending failed, or the log said it lost entries
 * The vault key comes from LATCHKEY_TEST_VAULT_KEY through a fixed-key SecretStore (test only).
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import type { Logger } from '../../../../electron/base/ports.js';
import { openAuditLog, type AuditAnchor, type AuditHead } from '../../../../electron/wallet/audit/audit-log.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { FixedKeySecretStore } from '../../../fakes/fixed-key-secret-store.js';

const IN_FLIGHT = 16;
/** About 80 records a segment, so the storm kills across rotations too. */
export const KILL_STORM_SEGMENT_BYTES = 32 * 1024;

/** The anchor as the wallet keeps it: `auditHead` in the vault document. */
export function vaultAnchorOf(vault: Vault): AuditAnchor {
  return {
    read: () => {
      const head = vault.read()['auditHead'] as { seq?: unknown; hash?: unknown } | undefined;
      return typeof head?.seq === 'number' && typeof head.hash === 'string' ? { seq: head.seq, hash: head.hash } : undefined;
    },
    write: (head: AuditHead) =>
      vault.update((doc) => {
        doc['auditHead'] = head;
      }),
  };
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const reportingLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error(message) {
    say(`error ${message}`);
  },
};

async function appendForever(dir: string): Promise<void> {
  const vault = await openVault({ dir, mode: 'keychain', secretStore: new FixedKeySecretStore(process.env.LATCHKEY_TEST_VAULT_KEY ?? '') });
  // The anchor follows each sync at once (not a second later), so kills land around vault writes too.
  const log = await openAuditLog({ path: join(dir, 'audit.jsonl'), anchor: vaultAnchorOf(vault), anchorDelayMs: 0, logger: reportingLogger, maxSegmentBytes: KILL_STORM_SEGMENT_BYTES });
  say(`open ${log.head()?.seq ?? -1}`);
  let n = 0;
  const one = async (): Promise<void> => {
    for (;;) {
      n += 1;
      const event = await log.append({
        type: 'token.issued',
        agentId: 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        agentName: 'storm',
        resource: 'https://mcp.example.com/mcp',
        scopes: ['read'],
        outcome: 'ok',
        tokenFingerprint: fingerprint(`token-${n}`),
      });
      say(`ack ${event.seq}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, one));
}

export function runAuditWriter(): void {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', (line) => {
    const [command, dir] = line.split(' ');
    if (command !== 'go' || dir === undefined) process.exit(2);
    appendForever(dir).catch((error: unknown) => {
      say(`error ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
  });
  say('ready');
}
