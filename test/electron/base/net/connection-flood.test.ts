/**
 * T35: another local user floods the loopback TCP listeners (the bridge's 127.0.0.1 port and the
 * headless host) with thousands of held sockets. A real bridge server and a real headless host run
 * here; a real second OS user (`runuser -u nobody`) holds 5,000 sockets to each and reconnects
 * whatever is dropped, while the owner calls the window's API and agents call the bridge.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_TOKEN_BODY, goodHeaders, startTestBridge, type TestBridge } from '../../wallet/bridge/support.js';
import { apiHeaders, signIn, startHostFixture, type HostFixture } from '../../wallet/host/support.js';
import { DEFAULT_PER_FOREIGN_USER } from '../../../../electron/base/net/connection-guard.js';

const isRoot = process.getuid?.() === 0;
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((path) => existsSync(path));
const SOCKETS_PER_LISTENER = 5_000;
const OWNER_UI_CALLS = 20;
const AGENT_CALLS = 50;
const CALL_TIMEOUT_MS = 5_000;
const NOBODY_UID = 65534;

/**
 * The flooder, run as nobody: holds `perPort` sockets to each port, each with half a request head
 * (so the servers' parsers wait on it), reconnects every one that is dropped, and prints what it
 * holds every 200 ms as one JSON line. It stops on stdin's end, SIGTERM, or after `lifeMs`.
 */
const FLOOD_SCRIPT = `
const net = require('node:net');
const [portsArg, perPortArg, lifeArg] = process.argv.slice(1);
const ports = portsArg.split(',').map(Number);
const perPort = Number(perPortArg);
const held = Object.fromEntries(ports.map((p) => [p, 0]));
const sockets = new Set();
let connects = 0, drops = 0, stopping = false;
function open(port) {
  if (stopping) return;
  const s = net.connect({ host: '127.0.0.1', port });
  sockets.add(s);
  let up = false;
  s.on('connect', () => { up = true; connects += 1; held[port] += 1; s.write('POST /v1/token HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\n'); });
  s.on('data', () => undefined);
  s.on('error', () => undefined);
  s.on('close', () => {
    sockets.delete(s);
    if (up) { held[port] -= 1; drops += 1; setImmediate(open, port); }
    else setTimeout(open, 5, port);
  });
}
for (const port of ports) for (let i = 0; i < perPort; i += 1) open(port);
const report = setInterval(() => process.stdout.write(JSON.stringify({ uid: process.getuid(), held, connects, drops }) + '\\n'), 200);
function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
setTimeout(stop, Number(lifeArg)).unref();
`;

interface FloodReport {
  uid: number;
  held: Record<string, number>;
  connects: number;
  drops: number;
}

class Flood {
  latest: FloodReport | undefined;
  private readonly waiters: Array<() => void> = [];
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.latest = JSON.parse(line) as FloodReport;
      for (const waiter of [...this.waiters]) waiter();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(ports: number[]): Flood {
    const child = spawn(RUNUSER ?? 'runuser', ['-u', 'nobody', '--', process.execPath, '-e', FLOOD_SCRIPT, ports.join(','), String(SOCKETS_PER_LISTENER), '55000'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new Flood(child);
  }

  /** Resolves once a report satisfies `done`. */
  until(done: (report: FloodReport) => boolean): Promise<FloodReport> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.latest === undefined || !done(this.latest)) return;
        this.waiters.splice(this.waiters.indexOf(check), 1);
        resolve(this.latest);
      };
      this.waiters.push(check);
      check();
    });
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

interface CallResult {
  ok: boolean;
  outcome: string;
  ms: number;
}

/** One HTTP call on a fresh connection; ok when it answers 200 within CALL_TIMEOUT_MS. */
function timedCall(port: number, path: string, headers: Record<string, string>, body: string): Promise<CallResult> {
  const started = performance.now();
  return new Promise((resolveCall) => {
    const resolve = (result: Omit<CallResult, 'ms'>): void => resolveCall({ ...result, ms: Math.round(performance.now() - started) });
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false, timeout: CALL_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, outcome: String(res.statusCode) }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, outcome: error.code ?? 'error' }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, outcome: error.code ?? 'error' }));
    req.end(body);
  });
}

function maxima(samples: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of samples) for (const [key, n] of Object.entries(sample)) out[key] = Math.max(out[key] ?? 0, n);
  return out;
}

function summarise(results: CallResult[]): { served: number; outcomes: Record<string, number>; latency: string } {
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const latency = `p50 ${ms[Math.floor(ms.length / 2)] ?? 0} ms, max ${ms[ms.length - 1] ?? 0} ms`;
  return { served: results.filter((r) => r.ok).length, outcomes, latency };
}

describe.skipIf(!isRoot || RUNUSER === undefined)('T35: a flood from another local user (needs root and runuser for a real second OS user)', () => {
  let bridge: TestBridge | undefined;
  let host: HostFixture | undefined;
  let flood: Flood | undefined;
  afterEach(async () => {
    await flood?.stop();
    await host?.close();
    await bridge?.close();
  });

  it('T35: nobody holds 5,000 sockets to each listener and the owner and agents are still served (≥ 95%)', { timeout: 60_000 }, async () => {
    bridge = await startTestBridge({ socket: false, limits: { ratePerSecond: 1_000, rateBurst: 1_000 } });
    host = await startHostFixture();
    const cookie = await signIn(host.host);
    const ports = [bridge.port, host.host.port];

    flood = Flood.start(ports);
    const started = performance.now();
    // Every socket has connected at least once (the servers accepted or dropped it).
    const ready = await flood.until((r) => r.connects >= SOCKETS_PER_LISTENER * ports.length);
    const readyMs = Math.round(performance.now() - started);

    const ui: CallResult[] = [];
    const heldByNobody: Array<Record<string, number>> = [];
    const agents: CallResult[] = [];
    const uiCalls = (async () => {
      for (let i = 0; i < OWNER_UI_CALLS; i += 1) {
        ui.push(await timedCall(host!.host.port, '/api/v1/call/listAgents', apiHeaders(cookie), '{}'));
        heldByNobody.push({ bridge: bridge!.server.connectionGuard?.stats().held[NOBODY_UID] ?? 0, ui: host!.host.connectionGuard?.stats().held[NOBODY_UID] ?? 0 });
      }
    })();
    const agentLanes = Array.from({ length: 5 }, async () => {
      for (let i = 0; i < AGENT_CALLS / 5; i += 1) {
        agents.push(await timedCall(bridge!.port, '/v1/token', goodHeaders({ 'content-type': 'application/json' }), GOOD_TOKEN_BODY));
      }
    });
    await Promise.all([uiCalls, ...agentLanes]);
    const during = flood.latest;
    const callsMs = Math.round(performance.now() - started) - readyMs;

    const uiSummary = summarise(ui);
    const agentSummary = summarise(agents);
    console.log(
      `T35 figures: attacker uid ${ready.uid}, ready after ${readyMs} ms (${JSON.stringify(ready.held)} held), calls took ${callsMs} ms; ` +
        `during the calls the attacker held ${JSON.stringify(during?.held)} (connects ${during?.connects}, drops ${during?.drops}); ` +
        `owner UI ${uiSummary.served}/${ui.length} ${JSON.stringify(uiSummary.outcomes)} (${uiSummary.latency}); ` +
        `bridge ${agentSummary.served}/${agents.length} ${JSON.stringify(agentSummary.outcomes)} (${agentSummary.latency}); ` +
        `connections nobody held past attribution (max over ${heldByNobody.length} samples) ${JSON.stringify(maxima(heldByNobody))}; ` +
        `shed: bridge ${JSON.stringify(bridge.server.connectionGuard?.stats())}, ui host ${JSON.stringify(host.host.connectionGuard?.stats())}`,
    );
    expect(ready.uid).toBe(NOBODY_UID);
    expect(ui).toHaveLength(OWNER_UI_CALLS);
    expect(agents).toHaveLength(AGENT_CALLS);
    expect(uiSummary.served / ui.length).toBeGreaterThanOrEqual(0.95);
    expect(agentSummary.served / agents.length).toBeGreaterThanOrEqual(0.95);
    // Nobody was turned away by the guards: none kept on the window's port, at most the cap on the bridge's.
    expect(host.host.connectionGuard?.stats().byUid[String(NOBODY_UID)]).toBeGreaterThan(0);
    expect(bridge.server.connectionGuard?.stats().byUid[String(NOBODY_UID)]).toBeGreaterThan(0);
    expect(maxima(heldByNobody)).toEqual({ bridge: DEFAULT_PER_FOREIGN_USER, ui: 0 });
  });
});
