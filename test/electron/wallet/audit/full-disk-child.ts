/**
 * Child process of the full-disk test, run under a file size limit (prlimit --fsize): it appends
 * single records until the log is close to the limit, then a group that crosses it (the write
 * stops part way, then fails), then one record that fits again. One line each on stdout:
 *   → "ack <seq>"        an append resolved
 *   → "refused <n>"      the crossing group: how many of its appends were refused
 *   → "error <message>"  anything else
 */
import { statSync } from 'node:fs';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { openAuditLog, type AuditInput } from '../../../../electron/wallet/audit/audit-log.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function issued(i: number): AuditInput {
  return { type: 'token.issued', agentId: 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', agentName: 'a', resource: 'https://mcp.example.com/mcp', scopes: ['read'], outcome: 'ok', tokenFingerprint: fingerprint(`token-${i}`) };
}

async function main(path: string, limit: number): Promise<void> {
  const log = await openAuditLog({ path });
  let i = 0;
  // About 400 bytes a record: stop while two more still fit.
  while (statSync(path).size < limit - 1200) say(`ack ${(await log.append(issued(i++))).seq}`);
  const group = await Promise.allSettled(Array.from({ length: 20 }, () => log.append(issued(i++))));
  say(`refused ${group.filter((result) => result.status === 'rejected').length}`);
  say(`ack ${(await log.append(issued(i++))).seq}`);
  await log.close();
}

const [path, limit] = process.argv.slice(2);
main(path ?? '', Number(limit)).catch((error: unknown) => say(`error ${error instanceof Error ? error.message : String(error)}`));
