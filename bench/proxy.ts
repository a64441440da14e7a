/**
 * Benchmark 2: tool calls through `latchkey mcp` (a child process over stdio, agent mode, tokens
 * from the real bridge) vs a direct MCP SDK client (Streamable HTTP, same token) to the same real
 * MCP server, same run: sequential latency (calls alternate between the two clients, so both see
 * the same moment of a shared machine), 50 concurrent callers on one client (many requests in
 * flight over one stdio connection, as an MCP client does), and spawn → first tool call.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ENV_AGENT_SECRET, ENV_BRIDGE_SOCKET } from '../shared/bridge.js';
import { createBridgeClient } from '../electron/agent/bridge-client/client.js';
import { REPO_ROOT } from './bench-dirs.js';
import { bundleCli, CLI_SOURCE } from './cli-bundle.js';
import { formatNumber, type Figure } from './report.js';
import { median, mergeRounds, ratio, summarize, type LatencySummary } from './stats.js';
import type { WorldHostReady } from './world.js';

export interface ProxyOptions {
  quick: boolean;
  world: WorldHostReady;
  log: (line: string) => void;
  /** node flags for the spawned `latchkey mcp` children (e.g. --cpu-prof). */
  childExecArgv?: readonly string[];
}

interface Plan {
  rounds: number;
  sequential: number;
  warmup: number;
  callers: number;
  callsPerCaller: number;
  firstCallRepeats: number;
  firstCallRepeatsTsx: number;
  /** A measurement stops early after this long (a loaded machine stays within budget). */
  maxMs: number;
}

const FULL: Plan = { rounds: 2, sequential: 300, warmup: 50, callers: 50, callsPerCaller: 20, firstCallRepeats: 5, firstCallRepeatsTsx: 2, maxMs: 4000 };
const QUICK: Plan = { rounds: 1, sequential: 150, warmup: 30, callers: 50, callsPerCaller: 8, firstCallRepeats: 3, firstCallRepeatsTsx: 1, maxMs: 3000 };

export interface ProxyResult {
  figures: Figure[];
  details: {
    plan: Plan;
    bundleBytes: number;
    sequential: { direct: LatencySummary; proxy: LatencySummary };
    concurrent: { direct: LatencySummary; proxy: LatencySummary };
    firstCallMs: number[];
    firstCallTsxMs: number[];
    directFirstCallMs: number[];
    nodeSpawnMs: number[];
  };
}

type Launch = { command: string; args: string[] };

export async function benchProxy(options: ProxyOptions): Promise<ProxyResult> {
  const plan = options.quick ? QUICK : FULL;
  const { world } = options;
  const bundle = await bundleCli();
  options.log(`bundled the CLI (${Math.round(bundle.bytes / 1024)} KiB entry, ${Math.round(bundle.totalBytes / 1024)} KiB in all) in ${formatNumber(bundle.buildMs, 'ms')}`);
  const execArgv = options.childExecArgv ?? [];
  const bundled: Launch = { command: process.execPath, args: [...execArgv, bundle.path, 'mcp', world.mcpUrl, '--allow-insecure-loopback'] };
  const viaTsx: Launch = { command: process.execPath, args: [...execArgv, '--import', 'tsx', CLI_SOURCE, 'mcp', world.mcpUrl, '--allow-insecure-loopback'] };

  // The direct client uses the very token the proxy will get: the agent's cached hand-out.
  const bridgeClient = createBridgeClient({ socketPath: world.bridge.socketPath, secret: world.proxyAgentSecret });
  const token = (await bridgeClient.token(world.mcpUrl)).access_token;
  bridgeClient.close();

  const directFirstCallMs: number[] = [];
  const direct = await timedConnect(() => directClient(world.mcpUrl, token), directFirstCallMs);
  const proxied = await timedConnect(() => proxyClient(bundled, world), []);
  try {
    await Promise.all([sequential(direct.client, plan.warmup, plan.maxMs), sequential(proxied.client, plan.warmup, plan.maxMs)]);
    const cpuBefore = await cpuMsOf(proxied.pid());
    const seq = await pairedSequential(direct.client, proxied.client, plan.sequential * plan.rounds, plan.maxMs * 2 * plan.rounds);
    const cpuAfter = await cpuMsOf(proxied.pid());
    const cpuPerCallMs = cpuBefore === undefined || cpuAfter === undefined || seq.proxy.count === 0 ? undefined : (cpuAfter - cpuBefore) / seq.proxy.count;
    options.log(
      `proxy sequential: direct p50 ${formatNumber(seq.direct.p50Ms, 'ms')} | proxy p50 ${formatNumber(seq.proxy.p50Ms, 'ms')}` +
        (cpuPerCallMs === undefined ? '' : `; the proxy process used ${formatNumber(cpuPerCallMs, 'ms')} of CPU per call`),
    );
    const conc = await alternate(plan.rounds, direct.client, proxied.client, (client) => concurrent(client, plan.callers, plan.callsPerCaller, plan.maxMs));
    options.log(`proxy ${plan.callers} callers: direct ${formatNumber(conc.direct.throughputPerSecond)}/s | proxy ${formatNumber(conc.proxy.throughputPerSecond)}/s`);
    await direct.close();
    await proxied.close();

    const firstCallMs: number[] = [];
    for (let i = 0; i < plan.firstCallRepeats; i += 1) await (await timedConnect(() => proxyClient(bundled, world), firstCallMs)).close();
    const firstCallTsxMs: number[] = [];
    for (let i = 0; i < plan.firstCallRepeatsTsx; i += 1) await (await timedConnect(() => proxyClient(viaTsx, world), firstCallTsxMs)).close();
    for (let i = 0; i < plan.firstCallRepeats - 1; i += 1) await (await timedConnect(() => directClient(world.mcpUrl, token), directFirstCallMs)).close();
    const nodeSpawnMs: number[] = [];
    for (let i = 0; i < plan.firstCallRepeats; i += 1) nodeSpawnMs.push(await timeNodeSpawn());
    options.log(`proxy first call: bundled ${firstCallMs.map((ms) => ms.toFixed(0)).join(', ')} ms; tsx ${firstCallTsxMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const figures: Figure[] = [
      { key: 'proxy_direct_p50_ms', label: 'direct SDK client: p50 sequential', value: seq.direct.p50Ms, unit: 'ms' },
      {
        key: 'proxy_added_p50_ms',
        label: 'proxy: added p50 sequential',
        value: seq.proxy.p50Ms - seq.direct.p50Ms,
        unit: 'ms',
        baseline: `${formatNumber(seq.proxy.p50Ms, 'ms')} vs direct ${formatNumber(seq.direct.p50Ms, 'ms')}`,
        baselineValue: seq.direct.p50Ms,
        target: { op: '<=', limit: 0.25 },
      },
      {
        key: 'proxy_added_p99_ms',
        label: 'proxy: added p99 sequential',
        value: seq.proxy.p99Ms - seq.direct.p99Ms,
        unit: 'ms',
        baseline: `${formatNumber(seq.proxy.p99Ms, 'ms')} vs direct ${formatNumber(seq.direct.p99Ms, 'ms')}`,
      },
      ...(cpuPerCallMs === undefined
        ? []
        : [
            {
              key: 'proxy_cpu_per_call_ms',
              label: 'proxy: CPU of the latchkey mcp process per sequential call',
              value: cpuPerCallMs,
              unit: 'ms',
              baseline: `${seq.proxy.count} calls, utime + stime from /proc`,
            } satisfies Figure,
          ]),
      {
        key: 'proxy_throughput_ratio_50',
        label: `proxy: throughput ratio @${plan.callers} callers`,
        value: ratio(conc.proxy.throughputPerSecond, conc.direct.throughputPerSecond),
        unit: 'x',
        baseline: `${formatNumber(conc.proxy.throughputPerSecond, '/s')} / direct ${formatNumber(conc.direct.throughputPerSecond, '/s')}`,
        target: { op: '>=', limit: 0.9 },
      },
      {
        key: 'proxy_p99_ms_50',
        label: `proxy: p99 @${plan.callers} callers`,
        value: conc.proxy.p99Ms,
        unit: 'ms',
        baseline: `direct ${formatNumber(conc.direct.p99Ms, 'ms')}`,
      },
      {
        key: 'proxy_first_call_ms',
        label: 'proxy: spawn → first tool call (bundled CLI), median',
        value: median(firstCallMs),
        unit: 'ms',
        baseline: `bare node spawn ${formatNumber(median(nodeSpawnMs), 'ms')}; direct connect+call ${formatNumber(median(directFirstCallMs), 'ms')}`,
        baselineValue: median(nodeSpawnMs),
        target: { op: '<=', limit: 200 },
      },
      {
        key: 'proxy_first_call_tsx_ms',
        label: 'proxy: spawn → first tool call (tsx, dev), median',
        value: median(firstCallTsxMs),
        unit: 'ms',
      },
    ];
    return {
      figures,
      details: { plan, bundleBytes: bundle.bytes, sequential: seq, concurrent: conc, firstCallMs, firstCallTsxMs, directFirstCallMs, nodeSpawnMs },
    };
  } finally {
    await direct.close();
    await proxied.close();
  }
}

interface Connected {
  client: Client;
  /** The spawned proxy's process id (none for the direct client). */
  pid(): number | null;
  close(): Promise<void>;
}

/** Connects (initialize) and makes one tool call; records the time from start to its answer. */
async function timedConnect(
  make: () => { client: Client; connect: () => Promise<void>; stderr: () => string; pid?: () => number | null },
  into: number[],
): Promise<Connected> {
  const started = performance.now();
  const made = make();
  try {
    await made.connect();
    await callEcho(made.client);
  } catch (error) {
    const stderr = made.stderr();
    await made.client.close().catch(() => undefined);
    throw new Error(`MCP client could not make its first call${stderr === '' ? '' : `; stderr: ${stderr.slice(0, 500)}`}`, { cause: error });
  }
  into.push(performance.now() - started);
  let closed = false;
  return {
    client: made.client,
    pid: made.pid ?? (() => null),
    close: async () => {
      if (closed) return;
      closed = true;
      await made.client.close();
    },
  };
}

function directClient(mcpUrl: string, token: string) {
  const client = new Client({ name: 'latchkey-bench-direct', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  return { client, connect: () => client.connect(transport), stderr: () => '' };
}

function proxyClient(launch: Launch, world: WorldHostReady) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('LATCHKEY_')) env[key] = value;
  const transport = new StdioClientTransport({
    command: launch.command,
    args: launch.args,
    env: { ...env, [ENV_AGENT_SECRET]: world.proxyAgentSecret, [ENV_BRIDGE_SOCKET]: world.bridge.socketPath },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'latchkey-bench-proxy', version: '1.0.0' });
  return { client, connect: () => client.connect(transport), stderr: () => stderr, pid: () => transport.pid };
}

/** A process's user + system CPU so far, from /proc (Linux); undefined elsewhere. */
async function cpuMsOf(pid: number | null): Promise<number | undefined> {
  if (pid === null) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}

async function callEcho(client: Client): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { text: 'bench' } });
  if (result.isError === true) throw new Error('the echo tool answered with an error');
}

interface Run {
  samplesMs: number[];
  wallMs: number;
}

async function sequential(client: Client, count: number, maxMs: number): Promise<Run> {
  const samplesMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i += 1) {
    const t = performance.now();
    await callEcho(client);
    samplesMs.push(performance.now() - t);
  }
  return { samplesMs, wallMs: performance.now() - started };
}

/** One call direct, one through the proxy, in turn (who goes first alternates): paired samples. */
async function pairedSequential(direct: Client, proxy: Client, count: number, maxMs: number): Promise<{ direct: LatencySummary; proxy: LatencySummary }> {
  const samples = { direct: [] as number[], proxy: [] as number[] };
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i += 1) {
    for (const side of i % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
      const t = performance.now();
      await callEcho(side === 'direct' ? direct : proxy);
      samples[side].push(performance.now() - t);
    }
  }
  const sum = (values: number[]): number => values.reduce((total, v) => total + v, 0);
  return { direct: summarize(samples.direct, sum(samples.direct)), proxy: summarize(samples.proxy, sum(samples.proxy)) };
}

async function concurrent(client: Client, callers: number, callsPerCaller: number, maxMs: number): Promise<Run> {
  const samplesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = 0; i < callsPerCaller && performance.now() - started < maxMs; i += 1) {
        const t = performance.now();
        await callEcho(client);
        samplesMs.push(performance.now() - t);
      }
    }),
  );
  return { samplesMs, wallMs: performance.now() - started };
}

/** The floor under any spawned proxy: node starting and writing one line to stdout. */
function timeNodeSpawn(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', "process.stdout.write('ready\\n')"], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(performance.now() - started));
    child.once('error', reject);
  });
}

/** Runs `measure` on both clients `rounds` times, alternating which goes first. */
async function alternate(
  rounds: number,
  direct: Client,
  proxy: Client,
  measure: (client: Client) => Promise<Run>,
): Promise<{ direct: LatencySummary; proxy: LatencySummary }> {
  const runs: { direct: Run[]; proxy: Run[] } = { direct: [], proxy: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
    for (const side of order) runs[side].push(await measure(side === 'direct' ? direct : proxy));
  }
  return { direct: mergeRounds(runs.direct), proxy: mergeRounds(runs.proxy) };
}
