/**
 * The wallet host's Node flags: where they come from (`npm start`; the desktop app's spawners in
 * test/electron/main/host-spawner.test.ts; a daemon that restarts itself with them in
 * test/electron/cli/start.test.ts), how a process restarts with them, and that the young-generation
 * cap does what node-flags.ts says in the Node that runs the tests.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argvWithNodeFlags, NODE_FLAGS, RESTARTED_ENV, restartWithNodeFlags, type RestartProcess } from '../../../../electron/base/runtime/node-flags.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const FLAGS_MODULE = resolve(ROOT, 'electron/base/runtime/node-flags.ts');

/** Allocates 200 arrays of 20,000 objects, keeping the last five, then prints the young generation's size in MB. */
const CHURN =
  "const v8=require('node:v8');let keep=[];for(let i=0;i<200;i++){const a=[];for(let j=0;j<20000;j++)a.push({j,s:'x'+j});keep.push(a);if(keep.length>5)keep.shift();}" +
  "process.stdout.write(String(v8.getHeapSpaceStatistics().find((s)=>s.space_name==='new_space').space_size/1048576))";

function youngGenerationMb(flags: readonly string[]): number {
  const run = spawnSync(process.execPath, [...flags, '-e', CHURN], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout);
}

function fakeProcess(execArgv: string[], execve: RestartProcess['execve'], env: NodeJS.ProcessEnv = { A: '1' }): RestartProcess {
  return { execArgv, argv: ['/usr/bin/node', '/opt/latchkey/main.js', 'daemon', '--env-file', 'x'], execPath: '/usr/bin/node', env, platform: 'linux', execve };
}

describe('the wallet host’s Node flags', () => {
  it('are given by `npm start` to the node that runs the CLI', () => {
    const start = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'];
    expect(start).toMatch(new RegExp(`(^|&& )node ${NODE_FLAGS.join(' ')} dist/cli/main\\.js start$`, 'u'));
  });

  it('restart: the same argv with the flags and `--` before the script, node’s own options kept; nothing when they are there', () => {
    expect(argvWithNodeFlags(['--import', 'tsx'], ['/usr/bin/node', '/src/main.ts', 'daemon'])).toEqual(['/usr/bin/node', ...NODE_FLAGS, '--import', 'tsx', '--', '/src/main.ts', 'daemon']);
    expect(argvWithNodeFlags([...NODE_FLAGS, '--cpu-prof'], ['/usr/bin/node', '/src/main.js', 'daemon'])).toBeUndefined();
  });

  it('restart: execve with the process’s own path and environment, marked; not without execve, nor on Windows, nor twice; a failed execve leaves it running', () => {
    const calls: unknown[][] = [];
    const record = ((file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => void calls.push([file, args, env])) as RestartProcess['execve'];
    restartWithNodeFlags(fakeProcess([], record));
    expect(calls).toEqual([['/usr/bin/node', ['/usr/bin/node', ...NODE_FLAGS, '--', '/opt/latchkey/main.js', 'daemon', '--env-file', 'x'], { A: '1', [RESTARTED_ENV]: '1' }]]);
    // The restarted process: a Node that lost the flags on the way is not restarted again; the mark is gone from its environment.
    const restarted: NodeJS.ProcessEnv = { A: '1', [RESTARTED_ENV]: '1' };
    restartWithNodeFlags(fakeProcess([], record, restarted));
    expect(restarted).toEqual({ A: '1' });
    restartWithNodeFlags(fakeProcess([...NODE_FLAGS], record));
    restartWithNodeFlags(fakeProcess([], undefined));
    restartWithNodeFlags({ ...fakeProcess([], record), platform: 'win32' });
    expect(calls).toHaveLength(1);
    expect(() =>
      restartWithNodeFlags(
        fakeProcess([], () => {
          throw new Error('ENOENT');
        }),
      ),
    ).not.toThrow();
  });

  it('restart, for real: once, the same pid, now with the flags, its arguments as they were, no mark left', () => {
    const script =
      `const { restartWithNodeFlags } = await import(${JSON.stringify(FLAGS_MODULE)});` +
      // As the daemon does: every start calls it; the first restarts, the restarted one goes on.
      "process.env.STARTS = String(Number(process.env.STARTS ?? '0') + 1); process.env.FIRST_PID ??= String(process.pid); restartWithNodeFlags(process);" +
      `process.stdout.write(JSON.stringify({ starts: process.env.STARTS, mark: process.env.${RESTARTED_ENV} ?? null, first: process.env.FIRST_PID, pid: String(process.pid), execArgv: process.execArgv, args: process.argv.slice(process.argv.indexOf("one")) }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'one', '--two'], { encoding: 'utf8', cwd: ROOT });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { starts: string; mark: string | null; first: string; pid: string; execArgv: string[]; args: string[] };
    expect(seen.pid).toBe(seen.first);
    expect(seen.starts).toBe('2');
    expect(seen.mark).toBeNull();
    expect(seen.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    expect(seen.args).toEqual(['one', '--two']);
  });

  it('keep the young generation at 8 MB under allocation that grows it to 32 MB without them', () => {
    expect(youngGenerationMb([])).toBeGreaterThan(16);
    expect(youngGenerationMb(NODE_FLAGS)).toBeLessThanOrEqual(8);
  });
});
