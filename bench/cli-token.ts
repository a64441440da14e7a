/**
 * Benchmark `cli`: `latchkey token URL` as a credential helper, each call a fresh spawn of the
 * bundled CLI (how it ships), with a valid access token cached so no refresh is due:
 *  - the owner, no daemon, keychain vault (the OS Secret Service; skipped without a D-Bus session);
 *  - the owner, no daemon, passphrase vault (LATCHKEY_PASSPHRASE);
 *  - an agent inside a session (its secret in the environment), served by a running daemon's bridge;
 *  - the owner with the daemon running (the CLI asks the daemon over the owner socket).
 * Same-run baselines: a bare `node -e 0` spawn and `latchkey --version`; the agent's figure is set
 * against a `node -e 0` spawned before each of its calls, so both see the same load. The AS is a loopback
 * fake (bench/loopback-as.ts); its token requests are counted (only the agent's first hand-out may
 * cost one).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_AGENT_SECRET } from '../shared/bridge.js';
import { removeHome, seedHome } from './bench-home.js';
import { bundleCli } from './cli-bundle.js';
import { startDaemon } from './daemon-process.js';
import { startLoopbackAs } from './loopback-as.js';
import { formatNumber, type Figure } from './report.js';
import { percentile, ratio } from './stats.js';

export interface CliOptions {
  quick: boolean;
  /** Node flags for the daemon (e.g. --cpu-prof); the measured CLI spawns get none. */
  daemonExecArgv?: string[];
  log: (line: string) => void;
}

interface Spawns {
  p50Ms: number;
  p95Ms: number;
  samplesMs: number[];
}

export interface CliResult {
  figures: Figure[];
  details: {
    spawns: number;
    keychain: boolean;
    runs: Record<string, Spawns>;
    asTokenRequests: Record<string, number>;
    bundleBytes: number;
  };
}

const PASSPHRASE = 'bench passphrase, not a secret';

/** The environment without any LATCHKEY_ setting of the caller's (nor a session of theirs). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('LATCHKEY_')) env[key] = value;
  return env;
}

interface SpawnOptions {
  /** What each call must print (trimmed). */
  expect?: string;
  /** Also spawn a bare `node -e 0` before each call; their times come back as `beside`. */
  withBare?: boolean;
}

/**
 * Spawn → exit, `count` times (after one unmeasured warm-up); each must exit 0 and print `expect`
 * when given. `withBare`: a bare `node -e 0` before each call, a baseline that sees the same
 * moments of the machine as the figure it is set against.
 */
async function timeSpawns(args: string[], env: Record<string, string>, count: number, options: SpawnOptions = {}): Promise<Spawns & { beside?: Spawns }> {
  const { expect } = options;
  const samplesMs: number[] = [];
  const beside: number[] = [];
  for (let i = 0; i <= count; i += 1) {
    if (options.withBare === true) {
      const bare = await timeOnce(['-e', '0'], env);
      if (i > 0) beside.push(bare.ms);
    }
    const { ms, stdout } = await timeOnce(args, env);
    if (expect !== undefined && stdout.trim() !== expect) {
      throw new Error(`${args.slice(1).join(' ')} printed ${stdout.trim().length} characters, not the cached token (refreshed, or another answer)`);
    }
    if (i > 0) samplesMs.push(ms);
  }
  return options.withBare === true ? { ...spawnsOf(samplesMs), beside: spawnsOf(beside) } : spawnsOf(samplesMs);
}

function spawnsOf(samplesMs: number[]): Spawns {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), samplesMs };
}

async function timeOnce(args: string[], env: Record<string, string>): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const stdout = await runOnce(args, env);
  return { ms: performance.now() - started, stdout };
}

function runOnce(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${args.slice(1).join(' ')} exited with ${code ?? 'a signal'}: ${stderr.slice(0, 500)}`));
    });
  });
}

export async function benchCli(options: CliOptions): Promise<CliResult> {
  const count = options.quick ? 10 : 30;
  const passphraseCount = options.quick ? 5 : 15;
  const bundle = await bundleCli();
  const cli = bundle.path;
  const as = await startLoopbackAs();
  const dirs: string[] = [];
  const homes: Array<{ home: string; mode: 'keychain' | 'passphrase' }> = [];
  const made = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(prefix);
    dirs.push(dir);
    return dir;
  };
  const keychain = (process.env['DBUS_SESSION_BUS_ADDRESS'] ?? '') !== '';
  const runs: Record<string, Spawns> = {};
  const asTokenRequests: Record<string, number> = {};
  const base = { ...cleanEnv(), LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1' };
  try {
    runs['node'] = await timeSpawns(['-e', '0'], base, count);
    runs['version'] = await timeSpawns([cli, '--version'], base, count);
    options.log(`cli baselines: node -e 0 p50 ${formatNumber(runs['node'].p50Ms, 'ms')}, latchkey --version p50 ${formatNumber(runs['version'].p50Ms, 'ms')}`);

    const vaults: Array<{ name: 'keychain' | 'passphrase'; env: Record<string, string>; count: number }> = [
      ...(keychain ? [{ name: 'keychain' as const, env: { LATCHKEY_VAULT: 'keychain' }, count }] : []),
      { name: 'passphrase', env: { LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE }, count: passphraseCount },
    ];
    let sessionHome: { env: Record<string, string>; secret: string; resource: string } | undefined;
    for (const vault of vaults) {
      const home = await mkdtemp(join(tmpdir(), `latchkey-bench-cli-${vault.name}-`));
      homes.push({ home, mode: vault.name });
      const runtimeDir = await made('/tmp/lkc-'); // empty: no daemon serves this home yet
      const seeded = await seedHome({
        home,
        vault: vault.name === 'keychain' ? { mode: 'keychain' } : { mode: 'passphrase', passphrase: PASSPHRASE },
        issuer: as.issuer,
        connections: 1,
        agents: 1,
        grantsPerAgent: 1,
        auditEvents: 0,
      });
      const env = { ...base, ...vault.env, LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir };
      const resource = seeded.resources[0]!;
      const before = as.tokenRequests();
      runs[vault.name] = await timeSpawns([cli, 'token', resource], env, vault.count, { expect: 'bench-owner-at-0' });
      asTokenRequests[vault.name] = as.tokenRequests() - before;
      options.log(`cli token, ${vault.name} vault, no daemon: p50 ${formatNumber(runs[vault.name]!.p50Ms, 'ms')} p95 ${formatNumber(runs[vault.name]!.p95Ms, 'ms')}`);
      if (sessionHome === undefined) sessionHome = { env, secret: seeded.secrets[0]!, resource };
    }

    if (sessionHome !== undefined) {
      const daemon = await startDaemon(cli, sessionHome.env, options.daemonExecArgv ?? []);
      try {
        const agentEnv = { ...base, LATCHKEY_RUNTIME_DIR: sessionHome.env['LATCHKEY_RUNTIME_DIR']!, [ENV_AGENT_SECRET]: sessionHome.secret };
        const before = as.tokenRequests();
        // The agent's first hand-out mints its token at the AS; the measured ones are served from the daemon's cache.
        await runOnce([cli, 'token', sessionHome.resource], agentEnv);
        const { beside, ...daemonRun } = await timeSpawns([cli, 'token', sessionHome.resource], agentEnv, count, { withBare: true });
        runs['daemon'] = daemonRun;
        if (beside === undefined) throw new Error('withBare times a bare node beside each call');
        runs['nodeBeside'] = beside;
        asTokenRequests['daemon'] = as.tokenRequests() - before;
        runs['ownerDaemon'] = await timeSpawns([cli, 'token', sessionHome.resource], sessionHome.env, count, { expect: 'bench-owner-at-0' });
        options.log(`cli token in a session (daemon): p50 ${formatNumber(runs['daemon'].p50Ms, 'ms')} (node -e 0 beside it ${formatNumber(beside.p50Ms, 'ms')}); owner through the daemon p50 ${formatNumber(runs['ownerDaemon'].p50Ms, 'ms')}`);
      } finally {
        await daemon.stop();
      }
    }
  } finally {
    await as.close();
    for (const { home, mode } of homes) await removeHome(home, mode);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  return { figures: figuresOf(runs), details: { spawns: count, keychain, runs, asTokenRequests, bundleBytes: bundle.bytes } };
}

function figuresOf(runs: Record<string, Spawns>): Figure[] {
  const node = runs['node']!;
  const version = runs['version']!;
  const versus = `node -e 0 ${formatNumber(node.p50Ms, 'ms')}; --version ${formatNumber(version.p50Ms, 'ms')}`;
  const figures: Figure[] = [
    { key: 'cli.node_spawn.p50', label: 'bare `node -e 0` spawn, p50', value: node.p50Ms, unit: 'ms' },
    { key: 'cli.version.p50', label: '`latchkey --version`, p50', value: version.p50Ms, unit: 'ms', baseline: `node -e 0 ${formatNumber(node.p50Ms, 'ms')}`, baselineValue: node.p50Ms },
  ];
  const pair = (name: string, key: string, label: string, p50Target?: number): void => {
    const run = runs[name];
    if (run === undefined) return;
    figures.push(
      { key: `${key}.p50`, label: `${label}, p50`, value: run.p50Ms, unit: 'ms', baseline: versus, baselineValue: node.p50Ms, ...(p50Target === undefined ? {} : { target: { op: '<=' as const, limit: p50Target } }) },
      { key: `${key}.p95`, label: `${label}, p95`, value: run.p95Ms, unit: 'ms', baseline: versus, baselineValue: node.p50Ms },
    );
  };
  pair('keychain', 'cli.token.keychain', 'latchkey token, cached, no daemon, keychain', 250);
  pair('passphrase', 'cli.token.passphrase', 'latchkey token, cached, no daemon, passphrase');
  pair('daemon', 'cli.token.daemon', 'latchkey token in an agent session (daemon)', 150);
  const daemon = runs['daemon'];
  const beside = runs['nodeBeside'];
  if (daemon !== undefined && beside !== undefined) {
    figures.push({
      key: 'cli.token.daemon.ratio_to_node',
      label: 'latchkey token in a session / bare node spawn (p50; node -e 0 spawned before each call)',
      value: ratio(daemon.p50Ms, beside.p50Ms),
      unit: 'x',
      baseline: `${formatNumber(daemon.p50Ms, 'ms')} / ${formatNumber(beside.p50Ms, 'ms')}`,
      target: { op: '<=', limit: 2 },
    });
  }
  pair('ownerDaemon', 'cli.token.owner_daemon', 'latchkey token, owner, daemon running');
  return figures;
}
