import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { MemorySecretStore } from '../../../fakes/memory-secret-store.js';
import { compileForNode, type CompiledChild } from './compile-for-node.js';
import { expectCode } from './expect-code.js';
import { createTempDirs } from './temp-dirs.js';

const dirs = createTempDirs();
let holderChild: CompiledChild;
const started: ChildProcess[] = [];

beforeAll(() => {
  holderChild = compileForNode(join(import.meta.dirname, 'lock-holder.ts'));
});
afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  holderChild?.remove();
  dirs.removeAll();
});

const store = new MemorySecretStore();
const open = (dir: string, extra: { lockWaitMs?: number } = {}) => openVault({ dir, mode: 'keychain', secretStore: store, ...extra });

/** The lock sockets present in a data directory. */
const lockSockets = (dir: string): string[] => (existsSync(join(dir, 'vault.lock.d')) ? readdirSync(join(dir, 'vault.lock.d')) : []);

/** A contender in its own process: READY, then "go" → WON or INUSE <pid>. */
interface Contender {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<{ won: boolean; pid: number }>;
  go(): void;
}

function startContender(dir: string): Contender {
  const child = spawn(process.execPath, [holderChild.entry, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(child);
  const lines = createInterface({ input: child.stdout! });
  let onReady: () => void = () => undefined;
  let onResult: (value: { won: boolean; pid: number }) => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<{ won: boolean; pid: number }>((resolve) => (onResult = resolve));
  lines.on('line', (line) => {
    if (line === 'READY') onReady();
    else if (line === 'WON') onResult({ won: true, pid: child.pid! });
    else if (line.startsWith('INUSE ')) onResult({ won: false, pid: Number(line.slice(6)) });
  });
  return { child, ready, result, go: () => child.stdin!.write('go\n') };
}

async function holdInChild(dir: string): Promise<Contender> {
  const holder = startContender(dir);
  await holder.ready;
  holder.go();
  expect((await holder.result).won).toBe(true);
  return holder;
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

/** Starts a process that gets exactly `pid` (Linux, root: /proc/sys/kernel/ns_last_pid), or undefined. */
async function spawnWithPid(pid: number): Promise<ChildProcess | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('sleep', ['120'], { stdio: 'ignore' });
    started.push(child);
    if (child.pid === pid) return child;
    await kill(child);
  }
  return undefined;
}

const canSetPids = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/proc/sys/kernel/ns_last_pid');

describe('vault lock: one process per vault (T25, T39)', () => {
  it('V8: a second openVault on the same dir is VaultInUse naming the holder; after close it opens', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const error = await expectCode(open(dir), ErrorCode.VaultInUse);
    expect(error.details.pid).toBe(process.pid);
    expect(error.message).toMatch(/in use by this process/);
    await first.close();
    expect(lockSockets(dir)).toEqual([]);
    const second = await open(dir);
    await second.close();
  });

  it('V8: a vault held by another live process is VaultInUse naming its pid', async () => {
    const dir = dirs.make();
    const holder = await holdInChild(dir);
    const error = await expectCode(open(dir), ErrorCode.VaultInUse);
    expect(error.message).toContain(`process ${holder.child.pid}`);
    expect(error.details.pid).toBe(holder.child.pid);
    await kill(holder.child);
  });

  it('V8: lockWaitMs waits for the holder to close', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const waiting = open(dir, { lockWaitMs: 10_000 });
    await first.close();
    const second = await waiting;
    expect(second.generation).toBe(1);
    await second.close();
  });

  it('V8: lockWaitMs gives up with VaultInUse when the holder keeps it', async () => {
    const dir = dirs.make();
    const first = await open(dir);
    const started = Date.now();
    await expectCode(open(dir, { lockWaitMs: 150 }), ErrorCode.VaultInUse);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await first.close();
  });

  it('V8/T39: a holder killed with SIGKILL leaves nothing that blocks the next open', async () => {
    const dir = dirs.make();
    const holder = await holdInChild(dir);
    await kill(holder.child);
    const vault = await open(dir);
    await vault.close();
  });

  it.skipIf(!canSetPids)('T39: a dead holder whose pid now belongs to another live process does not keep the vault (pid reuse; needs root on Linux)', async () => {
    const dir = dirs.make();
    const holder = await holdInChild(dir);
    const pid = holder.child.pid!;
    await kill(holder.child);
    const impostor = await spawnWithPid(pid);
    expect(impostor?.pid, 'could not start a process with the dead holder’s pid').toBe(pid);
    const vault = await open(dir); // the pid lived on, the lock did not
    await vault.close();
    await kill(impostor!);
  });

  it('T39: real processes racing for a free vault and for one left by a SIGKILLed holder: exactly one wins each time', async () => {
    const dir = dirs.make();
    const rounds: Array<{ stale: boolean; winners: number }> = [];
    for (const stale of [false, true, false, true]) {
      if (stale) await kill((await holdInChild(dir)).child);
      const contenders = Array.from({ length: 5 }, () => startContender(dir));
      await Promise.all(contenders.map((c) => c.ready));
      for (const c of contenders) c.go();
      const results = await Promise.all(contenders.map((c) => c.result));
      const winners = results.filter((r) => r.won);
      rounds.push({ stale, winners: winners.length });
      expect(winners, JSON.stringify(results)).toHaveLength(1);
      for (const loser of results.filter((r) => !r.won)) expect(loser.pid).toBe(winners[0]!.pid);
      for (const c of contenders) c.child.stdin!.end();
      await Promise.all(contenders.map((c) => (c.child.exitCode === null ? once(c.child, 'exit') : Promise.resolve([]))));
    }
    expect(rounds.map((r) => r.winners)).toEqual([1, 1, 1, 1]);
  }, 60_000);

  it.skipIf(process.platform !== 'linux')('T39: a data directory whose lock socket path is longer than a socket address holds still locks (Linux: through the directory handle)', async () => {
    const dir = join(dirs.make(), 'd'.repeat(60), 'e'.repeat(60));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const first = await open(dir);
    await expectCode(open(dir), ErrorCode.VaultInUse);
    const holder = startContender(dir);
    await holder.ready;
    holder.go();
    expect(await holder.result).toEqual({ won: false, pid: process.pid });
    holder.child.stdin!.end();
    await first.close();
    expect(lockSockets(dir)).toEqual([]);
    await (await open(dir)).close();
  });

  it('T39: a lock directory that is a symbolic link is refused', async () => {
    const dir = dirs.make();
    const elsewhere = join(dirs.make(), 'locks');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(dir, 'vault.lock.d'));
    await expectCode(open(dir), ErrorCode.VaultInsecurePermissions);
    rmSync(join(dir, 'vault.lock.d'));
  });
});
