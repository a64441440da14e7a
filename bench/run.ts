/**
 * `npm run bench [-- --quick] [-- --only handout,proxy,storm,cli,scale] [-- --cpu-prof DIR]`: the
 * hand-out, proxy, refresh-storm, credential-helper (cli) and scale benchmarks. Prints every figure with its same-run baseline and its target, and writes
 * bench/results.json. Figures are reported, never asserted: a 2-core machine shared with other
 * work is queueing, so only same-run comparisons mean much.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchHandout } from './handout.js';
import { benchProxy } from './proxy.js';
import { benchStorm } from './storm.js';
import { benchCli } from './cli-token.js';
import { benchScale } from './scale.js';
import { renderProfiles } from './profile-top.js';
import { renderTable, toRecords, type Figure } from './report.js';
import { startWorldHost } from './world.js';

const BENCHES = ['handout', 'proxy', 'storm', 'cli', 'scale'] as const;
type Bench = (typeof BENCHES)[number];

function parseOptions(): { quick: boolean; only: Set<Bench>; cpuProfDir: string | undefined; out: string } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const only = new Set<Bench>();
  for (const name of (values.only ?? BENCHES.join(',')).split(',')) {
    if (!(BENCHES as readonly string[]).includes(name)) throw new Error(`--only takes ${BENCHES.join(', ')}; got "${name}"`);
    only.add(name as Bench);
  }
  return { quick: values.quick, only, cpuProfDir: values['cpu-prof'], out: values.out ?? resolve(import.meta.dirname, 'results.json') };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = performance.now();
  const log = (line: string): void => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const hostExecArgv = options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`];
  const loadBefore = loadavg();
  const sections: Array<{ title: string; figures: Figure[] }> = [];
  const details: Record<string, unknown> = {};

  if (options.only.has('handout')) {
    log('hand-out: starting the wallet host (200 agents, grants, warm cache)');
    const result = await benchHandout({ quick: options.quick, hostExecArgv, log });
    sections.push({ title: 'token hand-out, cached token (bridge vs bare node:http, same client)', figures: result.figures });
    details['handout'] = result.details;
  }
  if (options.only.has('proxy') || options.only.has('storm')) {
    log('world: starting the test world, a wallet connected through Chromium, and the bridge');
    const world = await startWorldHost({ execArgv: hostExecArgv });
    try {
      log(`world host ready in ${world.ready.setupMs.toFixed(0)} ms`);
      if (options.only.has('proxy')) {
        const result = await benchProxy({ quick: options.quick, world: world.ready, log, childExecArgv: hostExecArgv });
        sections.push({ title: 'latchkey mcp proxy vs direct MCP SDK client (real world MCP server)', figures: result.figures });
        details['proxy'] = result.details;
      }
      if (options.only.has('storm')) {
        const result = await benchStorm({ quick: options.quick, world, log });
        sections.push({ title: 'refresh storm on an expired token (real oidc-provider AS)', figures: result.figures });
        details['storm'] = result.details;
      }
    } finally {
      await world.stop();
    }
  }
  if (options.only.has('cli')) {
    log('cli: latchkey token as a credential helper, each call a spawn of the bundled CLI');
    const result = await benchCli({ quick: options.quick, daemonExecArgv: hostExecArgv, log });
    sections.push({ title: 'latchkey token as a credential helper (bundled CLI, one spawn per call)', figures: result.figures });
    details['cli'] = result.details;
  }
  if (options.only.has('scale')) {
    log('scale: a data directory with 100 agents, 1,000 grants and 100,000 audit events, served by latchkey daemon');
    const result = await benchScale({ quick: options.quick, daemonExecArgv: hostExecArgv, log });
    sections.push({ title: 'daemon at scale (100 agents, 1,000 grants, 100,000 audit events)', figures: result.figures });
    details['scale'] = result.details;
  }

  const figures = sections.flatMap((s) => s.figures);
  const totalMs = performance.now() - started;
  console.log(`\n${renderTable(sections)}\n`);
  const loadAfter = loadavg();
  const benchNotes: Partial<Record<Bench, string>> = {
    handout: 'hand-out: the bridge runs with its per-agent rate limit raised (the default 20/s, burst 40 would refuse a back-to-back agent).',
    proxy: 'proxy: first call is for the esbuild-bundled CLI (how it ships); the tsx figure includes compiling TypeScript.',
    cli: 'cli: spawn → exit of the bundled CLI, a valid token cached (no refresh); the AS is a loopback fake; keychain figures need a D-Bus session with an unlocked keyring.',
    scale:
      "scale: the data directory is made through the wallet's own APIs (enrolment, grants, audit appends with the hash chain); start-up is spawn → first answer on the bridge socket.",
  };
  const notes = [
    'ok = meets the issue target in this run, MISS = does not (figures, not assertions).',
    `machine: ${cpus().length} cpus, load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after: other work here inflates tails and shrinks throughput.`,
    ...BENCHES.filter((bench) => options.only.has(bench)).flatMap((bench) => benchNotes[bench] ?? []),
  ];
  for (const note of notes) console.log(note);
  const results = {
    ...toRecords(figures),
    meta: {
      benches: [...options.only],
      date: new Date().toISOString(),
      quick: options.quick,
      node: process.version,
      cpus: cpus().length,
      loadavgBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
      loadavgAfter: loadAfter.map((l) => Math.round(l * 100) / 100),
      notes,
      totalSeconds: Math.round(totalMs / 100) / 10,
    },
    details,
  };
  await writeFile(options.out, `${JSON.stringify(results, roundNumbers, 2)}\n`);
  log(`wrote ${options.out}`);
  // The hosts wrote their profiles on exit: print where their CPU went (idle included).
  if (options.cpuProfDir !== undefined) console.log(`\n${await renderProfiles(options.cpuProfDir)}`);
}

/** results.json keeps 3 decimals. */
function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}

await main();
