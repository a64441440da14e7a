/**
 * The first start on a machine without a Secret Service, typed at a real terminal: `latchkey start`
 * and `latchkey daemon` run in a pseudo-terminal (util-linux `script`), with no D-Bus session, in a
 * fresh data directory. They say why the keychain cannot be used and offer a passphrase vault or
 * memory; the answers are typed into the terminal; the passphrase is never echoed; the choice is
 * saved in <home>/settings.json, so the next start asks only for the passphrase (or nothing).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VAULT_FILE } from '../../electron/wallet/vault/files.js';
import { REPO_ROOT } from '../support/run-cli.js';

const MAIN = resolve(REPO_ROOT, 'electron/cli/main.ts');
const PASSPHRASE = 'correct horse battery staple';
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** A command in a pseudo-terminal: what it printed so far (CR LF → LF), typing, and waiting for text. */
interface Terminal {
  readonly output: string;
  type(keys: string): void;
  /** Resolves once `text` has appeared after the first `from` characters; rejects if the command exits first. */
  waitFor(text: string, from?: number): Promise<void>;
  exited: Promise<number | null>;
  child: ChildProcess;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** `script -qfec "<latchkey args>" /dev/null`: the CLI's stdin, stdout and stderr are the pty's. */
function openTerminal(args: string[], env: NodeJS.ProcessEnv): Terminal {
  const command = `exec ${[process.execPath, '--import', 'tsx', MAIN, ...args].map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8').replaceAll('\r\n', '\n');
    for (const check of waiters) check();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const check of waiters) check();
  });
  return {
    get output() {
      return output;
    },
    child,
    exited,
    type(keys) {
      child.stdin.write(keys);
    },
    waitFor(text, from = 0) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => finish(new Error(`"${text}" did not appear within 60 s; the terminal shows:\n${output}`)), 60_000);
        const check = (): void => {
          if (output.indexOf(text, from) >= 0) finish();
          else if (hasExited) finish(new Error(`the command exited before "${text}" appeared; the terminal shows:\n${output}`));
        };
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolveWait();
          else reject(error);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

let base: string;
let env: NodeJS.ProcessEnv;
const open: Terminal[] = [];
const runtimeDirs: string[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lk-tty-'));
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_') && !['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY'].includes(name)),
  );
  // No D-Bus session, so no Secret Service; a display-less box, so `start` runs the headless host.
  env = { ...clean, TERM: 'xterm', LATCHKEY_ALLOW_INSECURE_LOOPBACK: '' };
});

afterEach(async () => {
  for (const terminal of open.splice(0)) {
    if (terminal.child.exitCode === null) {
      terminal.child.kill('SIGTERM');
      await terminal.exited;
    }
  }
});

afterAll(async () => {
  for (const dir of [base, ...runtimeDirs]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function freshHome(name: string): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(join(base, `${name}-`));
  const runtime = await mkdtemp('/tmp/lkt-'); // short: Unix socket paths are limited to 108 bytes
  runtimeDirs.push(runtime);
  return { ...env, HOME: home, XDG_RUNTIME_DIR: runtime };
}

function start(args: string[], homeEnv: NodeJS.ProcessEnv): Terminal {
  const terminal = openTerminal(args, homeEnv);
  open.push(terminal);
  return terminal;
}

/** Ctrl-C at the terminal (not in raw mode any more: the line discipline sends SIGINT), then the daemon's goodbye. */
async function pressCtrlC(terminal: Terminal): Promise<void> {
  terminal.type('\u0003');
  await terminal.waitFor('Stopped.');
  expect(await terminal.exited).toBe(0);
}

function settingsOf(homeEnv: NodeJS.ProcessEnv): Promise<unknown> {
  return readFile(join(homeEnv['HOME']!, '.latchkey', 'settings.json'), 'utf8').then((text) => JSON.parse(text) as unknown);
}

describe.skipIf(!hasScript)('the first start at a terminal without a Secret Service (skipped: util-linux script is not installed)', () => {
  it('latchkey start offers a passphrase vault or memory; the passphrase, typed twice, is not echoed; the next start asks only for it', async () => {
    const homeEnv = await freshHome('pass');
    const first = start(['start', '--headless'], homeEnv);
    await first.waitFor('Choose 1, 2 or 3 [1]: ');
    const menu = first.output;
    expect(menu).toContain('there is no D-Bus session to reach the Secret Service');
    expect(menu).toContain('Latchkey keeps its vault key in the OS keychain by default. Here it can instead:\n');
    expect(menu).toContain('  1) keep the vault in a file encrypted with a passphrase you choose now and type at each start\n');
    expect(menu).toContain('  2) keep everything in memory: nothing is saved when Latchkey stops\n');
    expect(menu).toContain('  3) stop, to set up a keyring first (`latchkey doctor` says how)\n');

    first.type('1');
    await first.waitFor('New vault passphrase (at least 8 characters): ');
    expect(first.output).toContain('Choose 1, 2 or 3 [1]: 1\nNew vault passphrase');
    let mark = first.output.length;
    first.type('tiny7\r');
    await first.waitFor('That is shorter than 8 characters.', mark);
    await first.waitFor('New vault passphrase (at least 8 characters): ', mark);
    mark = first.output.length;
    first.type(`${PASSPHRASE}\r`);
    await first.waitFor('The same passphrase again: ', mark);
    mark = first.output.length;
    first.type(`${PASSPHRASE}\r`);
    await first.waitFor('Saved: this data directory uses a passphrase vault (', mark);
    await first.waitFor('Latchkey daemon running (vault: passphrase');
    await first.waitFor('Press Ctrl-C to stop.');
    expect(first.output).toContain(`Saved: this data directory uses a passphrase vault (${join(homeEnv['HOME']!, '.latchkey', 'settings.json')}); the next start asks for the passphrase.`);
    expect(first.output).toContain('Electron cannot start here (asked for --headless); running the headless host instead.');
    expect(first.output).not.toContain(PASSPHRASE);
    expect(first.output).not.toContain('tiny7');
    expect(await settingsOf(homeEnv)).toEqual({ vault: 'passphrase' });
    expect(existsSync(join(homeEnv['HOME']!, '.latchkey', VAULT_FILE))).toBe(true);
    await pressCtrlC(first);

    const second = start(['start', '--headless'], homeEnv);
    await second.waitFor('Vault passphrase: ');
    second.type(`${PASSPHRASE}\r`);
    await second.waitFor('Latchkey daemon running (vault: passphrase');
    expect(second.output).not.toContain('Choose 1, 2 or 3');
    expect(second.output).not.toContain('New vault passphrase');
    expect(second.output).not.toContain(PASSPHRASE);
    await pressCtrlC(second);
  }, 180_000);

  it('latchkey daemon: choosing memory is saved too, and the next start runs in memory without asking', async () => {
    const homeEnv = await freshHome('memory');
    const first = start(['daemon', '--no-ui'], homeEnv);
    await first.waitFor('Choose 1, 2 or 3 [1]: ');
    first.type('2');
    await first.waitFor('Saved: this data directory uses a memory vault (');
    await first.waitFor('Latchkey daemon running (vault: memory).');
    expect(first.output).toContain('Choose 1, 2 or 3 [1]: 2\n');
    expect(first.output).toContain(`Saved: this data directory uses a memory vault (${join(homeEnv['HOME']!, '.latchkey', 'settings.json')}; --vault overrides it).`);
    expect(await settingsOf(homeEnv)).toEqual({ vault: 'memory' });
    await pressCtrlC(first);

    const second = start(['daemon', '--no-ui'], homeEnv);
    await second.waitFor('Latchkey daemon running (vault: memory).');
    expect(second.output).not.toContain('Choose 1, 2 or 3');
    expect(second.output).not.toContain('passphrase:');
    await pressCtrlC(second);
  }, 180_000);

  it('3 stops without saving a choice, so the next start asks again', async () => {
    const homeEnv = await freshHome('stop');
    const first = start(['daemon', '--no-ui'], homeEnv);
    await first.waitFor('Choose 1, 2 or 3 [1]: ');
    first.type('3');
    await first.waitFor('Cancelled.');
    expect(await first.exited).not.toBe(0);
    expect(first.output).not.toContain('daemon running');
    expect(existsSync(join(homeEnv['HOME']!, '.latchkey', 'settings.json'))).toBe(false);
  }, 120_000);
});
