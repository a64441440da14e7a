/**
 * Benchmark `scale`: the daemon (the bundled CLI's `latchkey daemon`) over a data directory with
 * 100 agents, 1,000 grants (10 each over 10 connections) and 100,000 audit events, all made
 * through the wallet's own APIs (bench/bench-home.ts: enrolment, grants, and appends to the
 * hash-chained audit log with its vault anchor). Figures: start-up to a ready bridge (spawn → the
 * bridge socket's first answer) against a bare node:http server's start-up in the same run; the
 * daemon's RSS; owner audit queries over the owner socket (what `latchkey audit` and the window ask);
 * the CPU time of one vault update that changes the audit anchor only, in this process over the
 * seeded vault file, against what copying, serialising and freezing the whole document costs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditFilter } from '../shared/api.js';
import { findOwnerEndpoint, openRemoteWallet } from '../electron/wallet/host/owner-client.js';
import { deepFreeze } from '../electron/wallet/vault/document.js';
import { openVault } from '../electron/wallet/vault/index.js';
import { removeHome, seedHome } from './bench-home.js';
import { bundleCli } from './cli-bundle.js';
import { answerOf, startDaemon, type RunningDaemon } from './daemon-process.js';
import { startLoopbackAs } from './loopback-as.js';
import { formatNumber, type Figure } from './report.js';
import { median, percentile } from './stats.js';

export interface ScaleOptions {
  quick: boolean;
  /** Node flags for the daemons (e.g. --cpu-prof: one profile per start). */
  daemonExecArgv?: string[];
  log: (line: string) => void;
}

const SIZE = { connections: 10, agents: 100, grantsPerAgent: 10, auditEvents: 100_000 };
const PASSPHRASE = 'bench passphrase, not a secret';

export interface ScaleResult {
  figures: Figure[];
  details: {
    size: typeof SIZE;
    vault: 'keychain' | 'passphrase';
    seedMs: number;
    grants: number;
    auditEvents: number;
    startups: Array<{ readyMs: number; bridgeAnswerMs: number }>;
    bareStartupMs: number[];
    rssMb: { afterStart: number; afterQueries: number };
    queries: Record<string, { p50Ms: number; maxMs: number; events: number }>;
    anchorUpdate: AnchorUpdateCost;
  };
}

interface AnchorUpdateCost {
  /** CPU time (user + system) of this process per awaited vault update writing the audit anchor. */
  cpuUs: number;
  /** CPU time of a structured clone, a JSON round trip and a deep freeze of the whole document. */
  wholeDocumentUs: number;
  documentBytes: number;
}

/** Times vault updates that write the audit anchor back (its value unchanged) over the seeded vault, before any daemon holds it. */
async function timeAnchorUpdates(home: string, keychain: boolean, count: number): Promise<AnchorUpdateCost> {
  const vault = await openVault({ dir: home, ...(keychain ? { mode: 'keychain' as const } : { mode: 'passphrase' as const, passphrase: PASSPHRASE }) });
  try {
    const document = vault.read();
    const head = document['auditHead'];
    const wholeStarted = process.cpuUsage();
    for (let i = 0; i < 10; i += 1) deepFreeze(JSON.parse(JSON.stringify(structuredClone(document))) as unknown);
    const whole = process.cpuUsage(wholeStarted);
    await vault.update((doc) => {
      doc['auditHead'] = structuredClone(head);
    });
    const started = process.cpuUsage();
    for (let i = 0; i < count; i += 1) {
      await vault.update((doc) => {
        doc['auditHead'] = structuredClone(head);
      });
    }
    const used = process.cpuUsage(started);
    return {
      cpuUs: (used.user + used.system) / count,
      wholeDocumentUs: (whole.user + whole.system) / 10,
      documentBytes: Buffer.byteLength(JSON.stringify(document)),
    };
  } finally {
    await vault.close();
  }
}

/** Spawn → the first answer of a bare node:http server on a Unix socket (node starting and listening, nothing else). */
async function timeBareStartup(socketPath: string): Promise<number> {
  const script =
    "const s=require('node:http').createServer((q,r)=>r.end('{}'));" +
    `s.listen(${JSON.stringify(socketPath)},()=>process.stderr.write('ready\\n'));process.on('SIGTERM',()=>s.close(()=>process.exit(0)))`;
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stderr.once('data', () => resolve());
  });
  await answerOf(socketPath).catch(() => answerOf(socketPath));
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await exited;
  return ms;
}

export async function benchScale(options: ScaleOptions): Promise<ScaleResult> {
  const startupRepeats = options.quick ? 3 : 5;
  const queryRepeats = options.quick ? 10 : 30;
  const keychain = (process.env['DBUS_SESSION_BUS_ADDRESS'] ?? '') !== '';
  const bundle = await bundleCli();
  const as = await startLoopbackAs();
  const home = await mkdtemp(join(tmpdir(), 'latchkey-bench-scale-'));
  const runtimeDir = await mkdtemp('/tmp/lks-');
  const bareDir = await mkdtemp('/tmp/lksb-');
  let daemon: RunningDaemon | undefined;
  try {
    const seeded = await seedHome({ home, vault: keychain ? { mode: 'keychain' } : { mode: 'passphrase', passphrase: PASSPHRASE }, issuer: as.issuer, ...SIZE });
    options.log(`scale: seeded ${SIZE.agents} agents, ${seeded.grants} grants, ${seeded.auditEvents} audit events in ${formatNumber(seeded.setupMs / 1000, 's')}`);
    const anchorUpdate = await timeAnchorUpdates(home, keychain, options.quick ? 50 : 200);
    options.log(
      `scale: vault update of the audit anchor ${formatNumber(anchorUpdate.cpuUs, 'µs')} CPU; whole-document copy ${formatNumber(anchorUpdate.wholeDocumentUs, 'µs')} (${formatNumber(anchorUpdate.documentBytes / 1024, 'KiB')})`,
    );
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('LATCHKEY_')) env[key] = value;
    Object.assign(env, {
      LATCHKEY_HOME: home,
      LATCHKEY_RUNTIME_DIR: runtimeDir,
      LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
      ...(keychain ? { LATCHKEY_VAULT: 'keychain' } : { LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE }),
    });

    // Start-ups alternate with the bare server's, so load on the machine hits both alike.
    const startups: Array<{ readyMs: number; bridgeAnswerMs: number }> = [];
    const bareStartupMs: number[] = [];
    for (let i = 0; i < startupRepeats; i += 1) {
      bareStartupMs.push(await timeBareStartup(join(bareDir, `bare-${i}.sock`)));
      await daemon?.stop();
      daemon = await startDaemon(bundle.path, env, options.daemonExecArgv ?? []);
      startups.push({ readyMs: daemon.readyMs, bridgeAnswerMs: daemon.bridgeAnswerMs });
    }
    const running = daemon!;
    const rssAfterStart = await running.rssMb();
    options.log(
      `scale: daemon start-up to a bridge answer ${startups.map((s) => s.bridgeAnswerMs.toFixed(0)).join(', ')} ms (bare ${bareStartupMs.map((ms) => ms.toFixed(0)).join(', ')} ms); RSS ${formatNumber(rssAfterStart, 'MB')}`,
    );

    const endpoint = await findOwnerEndpoint(runtimeDir);
    if (endpoint === undefined) throw new Error('the daemon has no owner socket');
    const wallet = await openRemoteWallet(endpoint);
    const queries: ScaleResult['details']['queries'] = {};
    try {
      const agents = await wallet.listAgents();
      const filters: Record<string, AuditFilter> = {
        agent: { agentId: agents[Math.floor(agents.length / 2)]!.id, limit: 50 },
        denied: { outcome: 'denied', limit: 100 },
        latest: { limit: 50 },
        resource: { resource: seeded.resources[3]!, limit: 1000 },
      };
      for (const [name, filter] of Object.entries(filters)) {
        const samples: number[] = [];
        let events = 0;
        for (let i = 0; i <= queryRepeats; i += 1) {
          const started = performance.now();
          events = (await wallet.queryAudit(filter)).length;
          if (i > 0) samples.push(performance.now() - started);
        }
        const sorted = samples.sort((a, b) => a - b);
        queries[name] = { p50Ms: percentile(sorted, 50), maxMs: sorted.at(-1) ?? Number.NaN, events };
      }
    } finally {
      await wallet.close();
    }
    const rssAfterQueries = await running.rssMb();
    options.log(`scale: audit queries p50 ${Object.entries(queries).map(([n, q]) => `${n} ${formatNumber(q.p50Ms, 'ms')}`).join(', ')}; RSS after ${formatNumber(rssAfterQueries, 'MB')}`);
    const details: ScaleResult['details'] = {
      size: SIZE,
      vault: keychain ? 'keychain' : 'passphrase',
      seedMs: seeded.setupMs,
      grants: seeded.grants,
      auditEvents: seeded.auditEvents,
      startups,
      bareStartupMs,
      rssMb: { afterStart: rssAfterStart, afterQueries: rssAfterQueries },
      queries,
      anchorUpdate,
    };
    return { figures: figuresOf(details), details };
  } finally {
    await daemon?.stop();
    await as.close();
    await removeHome(home, keychain ? 'keychain' : 'passphrase');
    for (const dir of [runtimeDir, bareDir]) await rm(dir, { recursive: true, force: true });
  }
}

function figuresOf(details: ScaleResult['details']): Figure[] {
  const bare = median(details.bareStartupMs);
  const bareWords = `bare node:http ${formatNumber(bare, 'ms')}`;
  const rss = Math.max(details.rssMb.afterStart, details.rssMb.afterQueries);
  const figures: Figure[] = [
    {
      key: 'scale.startup_ms',
      label: 'daemon spawn → bridge answers, median',
      value: median(details.startups.map((s) => s.bridgeAnswerMs)),
      unit: 'ms',
      baseline: bareWords,
      baselineValue: bare,
      target: { op: '<=', limit: 300 },
    },
    { key: 'scale.ready_line_ms', label: 'daemon spawn → ready line, median', value: median(details.startups.map((s) => s.readyMs)), unit: 'ms', baseline: bareWords, baselineValue: bare },
    {
      key: 'scale.rss_mb',
      label: 'daemon RSS (after start and queries, the larger)',
      value: rss,
      unit: 'MB',
      baseline: `after start ${formatNumber(details.rssMb.afterStart, 'MB')}`,
      target: { op: '<=', limit: 100 },
    },
    {
      key: 'scale.vault_anchor_update_cpu_us',
      label: 'vault update, audit anchor only, CPU per update',
      value: details.anchorUpdate.cpuUs,
      unit: 'µs',
      baseline: `whole-document copy, JSON and freeze ${formatNumber(details.anchorUpdate.wholeDocumentUs, 'µs')} (${formatNumber(details.anchorUpdate.documentBytes / 1024, 'KiB')})`,
      baselineValue: details.anchorUpdate.wholeDocumentUs,
    },
  ];
  const words: Record<string, string> = {
    agent: "one agent's last 50",
    denied: 'last 100 refusals',
    latest: 'last 50 events',
    resource: "one server's last 1,000",
  };
  for (const [name, query] of Object.entries(details.queries)) {
    figures.push({
      key: `scale.audit_query.${name}_ms`,
      label: `audit query over ${details.auditEvents} events: ${words[name] ?? name}, p50`,
      value: query.p50Ms,
      unit: 'ms',
      baseline: `${query.events} events returned; max ${formatNumber(query.maxMs, 'ms')}`,
      target: { op: '<=', limit: 50 },
    });
  }
  return figures;
}
