/**
 * T37: the audit log cannot be grown without bound by callers the bridge refuses. A real wallet
 * (passphrase vault, the audit on disk) behind a real bridge server takes a burst of refused
 * requests; the audit grows by a few summary entries, each with its count.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../shared/agents.js';
import { BRIDGE_HEADER } from '../../../../shared/bridge.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { openAuditLog, type AuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import { MIXED_REASON, type BridgeRefusal } from '../../../../electron/wallet/audit/rejection-summaries.js';
import { startBridgeServer, type BridgeServer } from '../../../../electron/wallet/bridge/server.js';
import { composeWallet, type ComposeOptions, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { clockOf, ManualScheduler } from '../agents/manual-scheduler.js';
import { makeTempDir, rawRequest, type RawResponse, type Target, type TempDir } from '../bridge/support.js';

const BURST = 20_000;
const PARALLEL = 64;

let dir: TempDir | undefined;
let composed: ComposedWallet | undefined;
let bridge: BridgeServer | undefined;

afterEach(async () => {
  await bridge?.close();
  await composed?.wallet.close();
  await dir?.remove();
  bridge = undefined;
  composed = undefined;
  dir = undefined;
});

async function startWallet(options: ComposeOptions = {}): Promise<{ home: string; composed: ComposedWallet; bridge: BridgeServer }> {
  dir = await makeTempDir('lk-t37-');
  const home = join(dir.base, 'home');
  composed = await composeWallet({ home, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: 't37 test passphrase, not a secret' } }, {}, options);
  bridge = await startBridgeServer({ handler: composed.bridge, runtimeDir: dir.runtimeDir });
  return { home, composed, bridge };
}

/** Sends `count` requests, `PARALLEL` at a time; returns how many got each status. */
async function burst(target: Target, request: string, count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < count) {
      sent += 1;
      const answer: RawResponse = await rawRequest(target, request);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return statuses;
}

async function auditBytes(home: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(home)) if (/^audit(\.\d+)?\.jsonl$/u.test(name)) total += (await stat(join(home, name))).size;
  return total;
}

async function auditEvents(home: string): Promise<AuditEvent[]> {
  const names = (await readdir(home)).filter((name) => /^audit(\.\d+)?\.jsonl$/u.test(name)).sort();
  const events: AuditEvent[] = [];
  for (const name of names) {
    for (const line of (await readFile(join(home, name), 'utf8')).split('\n')) if (line !== '') events.push(JSON.parse(line) as AuditEvent);
  }
  return events;
}

/** A well-formed token request over the socket with a secret nobody was given. */
const BAD_SECRET_REQUEST =
  [
    'POST /v1/token HTTP/1.1',
    'Host: localhost',
    `${BRIDGE_HEADER}: 1`,
    'Authorization: Bearer lk_agent_not-a-real-secret-at-all-000000000000',
    'Content-Type: application/json',
    'Content-Length: 2',
    'Connection: close',
    '',
    '{}',
  ].join('\r\n');

describe('T37: refused callers cannot grow the audit log', () => {
  it(`T37: a burst of ${BURST} unauthenticated requests adds a few KB: one summary entry with the count`, async () => {
    const started = await startWallet();
    const target = { path: started.bridge.socketPath ?? '' };
    await started.composed.audit.append({ type: 'session.started', outcome: 'ok', actor: 'owner' });
    const before = await auditBytes(started.home);
    const beforeCount = (await auditEvents(started.home)).length;

    const statuses = await burst(target, BAD_SECRET_REQUEST, BURST);
    expect(Object.fromEntries(statuses)).toEqual({ 401: BURST });
    await started.composed.wallet.close();

    const grown = (await auditBytes(started.home)) - before;
    const added = (await auditEvents(started.home)).slice(beforeCount);
    // The figures for the report (before the fix: one entry per admitted rejection, 20 a second).
    console.info(`T37 burst: ${BURST} refused requests → ${added.length} audit entries, ${grown} bytes`);
    expect(grown).toBeLessThanOrEqual(4096);
    const summaries = added.filter((event) => event.type === 'bridge.rejected' && event.reason === ErrorCode.Unauthenticated && event.actor === 'unix');
    expect(summaries.reduce((sum, event) => sum + (event.count ?? 1), 0)).toBe(BURST);
    expect(summaries.length).toBeLessThanOrEqual(2);
  }, 120_000);

  it('T37: the summary reaches the Activity screen\'s query and live events once its interval ends', async () => {
    const started = await startWallet({ audit: { summaries: { intervalMs: 200 } } });
    const target = { port: Number(new URL(started.bridge.url ?? '').port) };
    let counted = 0;
    const all = new Promise<void>((resolve) => {
      started.composed.wallet.subscribe((event) => {
        if (event.type !== 'audit.appended' || event.event.type !== 'bridge.rejected') return;
        counted += event.event.count ?? 1;
        if (counted >= 50) resolve();
      });
    });
    const noHeader = `GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nConnection: close\r\n\r\n`;
    expect(Object.fromEntries(await burst(target, noHeader, 50))).toEqual({ 400: 50 });
    await all;
    const shown = await started.composed.wallet.queryAudit({ type: 'bridge.rejected', limit: 100 });
    expect(shown.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(50);
    expect(shown.every((event) => event.reason === ErrorCode.MissingBridgeHeader && event.actor === 'tcp')).toBe(true);
  });
});

describe('T37: how refusals are counted', () => {
  const AGENT = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  let scheduler: ManualScheduler;
  let log: AuditLog;
  let written: AuditEvent[];

  async function open(options: Parameters<typeof openAuditLog>[0] = {}): Promise<void> {
    scheduler = new ManualScheduler();
    log = await openAuditLog({ clock: clockOf(scheduler), scheduler, ...options });
    written = [];
    log.on('appended', (event) => written.push(event));
  }

  /** Lets the group commit write what was queued. */
  async function settle(): Promise<void> {
    await log.query({ limit: 1 });
  }

  afterEach(async () => {
    await log.close();
  });

  it('T37: an unauthenticated caller\'s refusals are one summary per reason and listener, written when the minute ends', async () => {
    await open();
    for (let i = 0; i < 500; i += 1) log.recordRefusal({ reason: ErrorCode.Unauthenticated, transport: 'tcp' });
    for (let i = 0; i < 30; i += 1) log.recordRefusal({ reason: ErrorCode.BadHost, transport: 'tcp' });
    for (let i = 0; i < 7; i += 1) log.recordRefusal({ reason: ErrorCode.Unauthenticated, transport: 'unix' });
    await settle();
    expect(written).toEqual([]);
    scheduler.advance(60_000);
    await settle();
    expect(written.map(({ reason, actor, count, agentId }) => ({ reason, actor, count, agentId }))).toEqual([
      { reason: ErrorCode.Unauthenticated, actor: 'tcp', count: 500, agentId: undefined },
      { reason: ErrorCode.BadHost, actor: 'tcp', count: 30, agentId: undefined },
      { reason: ErrorCode.Unauthenticated, actor: 'unix', count: 7, agentId: undefined },
    ]);
    expect(written.every((event) => event.type === 'bridge.rejected' && event.outcome === 'denied')).toBe(true);
    scheduler.advance(60_000);
    await settle();
    expect(written).toHaveLength(3);
  });

  it('T37: an agent\'s refusals are written one by one up to its budget, the rest summarised under its id; rate-limited ones are always counted', async () => {
    await open();
    for (let i = 0; i < 8; i += 1) log.recordRefusal({ reason: ErrorCode.InvalidInput, transport: 'unix', agentId: AGENT });
    for (let i = 0; i < 100; i += 1) log.recordRefusal({ reason: ErrorCode.RateLimited, transport: 'unix', agentId: AGENT });
    await settle();
    expect(written.map(({ reason, agentId, count }) => ({ reason, agentId, count }))).toEqual(Array(5).fill({ reason: ErrorCode.InvalidInput, agentId: AGENT, count: undefined }));
    scheduler.advance(60_000);
    await settle();
    expect(written.slice(5).map(({ reason, agentId, count }) => ({ reason, agentId, count }))).toEqual([
      { reason: ErrorCode.InvalidInput, agentId: AGENT, count: 3 },
      { reason: ErrorCode.RateLimited, agentId: AGENT, count: 100 },
    ]);
    // A new minute, a new budget.
    log.recordRefusal({ reason: ErrorCode.InvalidInput, transport: 'unix', agentId: AGENT });
    await settle();
    expect(written.at(-1)).toMatchObject({ reason: ErrorCode.InvalidInput, agentId: AGENT });
    expect(written.at(-1)?.count).toBeUndefined();
  });

  it('T37: whatever is refused, a minute adds at most maxKeys + 2 summaries and individualTotal single entries, and every refusal is counted', async () => {
    await open();
    const reasons = Object.values(ErrorCode).filter((code) => code.startsWith('bridge.'));
    let sent = 0;
    for (let i = 0; i < 50_000; i += 1) {
      const refusal: BridgeRefusal = {
        reason: reasons[i % reasons.length] ?? ErrorCode.NotFound,
        transport: i % 3 === 0 ? 'tcp' : 'unix',
        ...(i % 2 === 0 ? {} : { agentId: `agt_${String(i % 997).padStart(32, '0')}` }),
      };
      log.recordRefusal(refusal);
      sent += 1;
    }
    scheduler.advance(60_000);
    await settle();
    const single = written.filter((event) => event.count === undefined);
    const summaries = written.filter((event) => event.count !== undefined);
    expect(single.length).toBeLessThanOrEqual(20);
    expect(summaries.length).toBeLessThanOrEqual(16 + 2);
    expect(summaries.some((event) => event.reason === MIXED_REASON)).toBe(true);
    expect(single.length + summaries.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(sent);
    const bytes = written.reduce((sum, event) => sum + Buffer.byteLength(`${JSON.stringify(event)}\n`), 0);
    console.info(`T37 worst minute: ${sent} refusals → ${written.length} entries, ${bytes} bytes`);
  });

  it('T37: closing the log writes the summaries still being counted', async () => {
    const home = await makeTempDir('lk-t37-close-');
    try {
      await open({ path: join(home.base, 'audit.jsonl') });
      log.recordRefusal({ reason: ErrorCode.MissingBridgeHeader, transport: 'tcp' });
      log.recordRefusal({ reason: ErrorCode.MissingBridgeHeader, transport: 'tcp' });
      await log.close();
      const lines = (await readFile(join(home.base, 'audit.jsonl'), 'utf8')).trim().split('\n');
      expect(lines.map((line) => JSON.parse(line) as AuditEvent)).toEqual([expect.objectContaining({ reason: ErrorCode.MissingBridgeHeader, actor: 'tcp', count: 2 })]);
      expect(scheduler.pending).toBe(0);
    } finally {
      await home.remove();
    }
  });
});
