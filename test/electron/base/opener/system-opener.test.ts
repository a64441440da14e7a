import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import {
  createSystemOpener,
  parseBrowserVariable,
  resolveOpenCommand,
  type SpawnFunction,
} from '../../../../electron/base/opener/index.js';
import { createSpawnSpy } from '../../../fakes/spawn-spy.js';

const policy = { allowInsecureLoopback: false };
const URL_WITH_METACHARACTERS = 'https://as.example.com/authorize?a=1&b=2;c=%27x%27&d=(y)|z>w<v!*~&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcb';

describe('createSystemOpener with a spawn spy', () => {
  it('A7/O8: passes the re-serialised URL as one argv element to xdg-open, never through a shell', async () => {
    const spy = createSpawnSpy();
    const opener = createSystemOpener({ env: {}, platform: 'linux', policy, spawn: spy.spawn });
    await opener.open(new URL('HTTPS://AS.example.com:443/authorize?x=1&y=2'));
    expect(spy.calls).toHaveLength(1);
    const call = spy.calls[0]!;
    expect(call.command).toBe('xdg-open');
    expect(call.args).toEqual(['https://as.example.com/authorize?x=1&y=2']);
    expect(call.options.shell).not.toBe(true);
    expect(call.options.shell).toBe(false);
    expect(call.options.detached).toBe(true);
    expect(call.options.stdio).toBe('ignore');
    expect(spy.unrefCount()).toBe(1);
  });

  it('A7/O8: keeps shell metacharacters inside the single URL argument', async () => {
    const spy = createSpawnSpy();
    const opener = createSystemOpener({ env: {}, platform: 'linux', policy, spawn: spy.spawn });
    await opener.open(URL_WITH_METACHARACTERS);
    const expected = new URL(URL_WITH_METACHARACTERS).href;
    expect(spy.calls[0]!.args).toEqual([expected]);
  });

  it('uses open on macOS and rundll32 FileProtocolHandler on Windows, URL as its own element', () => {
    const url = 'https://as.example.com/a?b=1,2';
    expect(resolveOpenCommand(url, {}, 'darwin')).toEqual({ command: '/usr/bin/open', args: [url], source: 'platform' });
    expect(resolveOpenCommand(url, { SystemRoot: 'D:\\Win' }, 'win32')).toEqual({
      command: 'D:\\Win\\System32\\rundll32.exe',
      args: ['url.dll,FileProtocolHandler', url],
      source: 'platform',
    });
    expect(resolveOpenCommand(url, {}, 'freebsd').command).toBe('xdg-open');
  });

  it('reports a spawn error as opener.failed', async () => {
    const spy = createSpawnSpy('error');
    const opener = createSystemOpener({ env: {}, platform: 'linux', policy, spawn: spy.spawn });
    const failure = opener.open('https://as.example.com/');
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.OpenerFailed, details: { reason: 'ENOENT' } });
    await expect(failure).rejects.toThrow(/xdg-open/);
    expect(spy.calls).toHaveLength(1);
  });

  it('reports a synchronous spawn failure as opener.failed', async () => {
    const spy = createSpawnSpy('throw');
    const opener = createSystemOpener({ env: { BROWSER: 'mybrowser' }, platform: 'linux', policy, spawn: spy.spawn });
    await expect(opener.open('https://as.example.com/')).rejects.toMatchObject({
      code: ErrorCode.OpenerFailed,
      hint: expect.stringMatching(/BROWSER/) as unknown,
    });
  });

  it('runs BROWSER instead of the platform launcher, with the environment it was given', async () => {
    const spy = createSpawnSpy();
    const env = { BROWSER: 'firefox --new-window', PATH: '/usr/bin' };
    const opener = createSystemOpener({ env, platform: 'linux', policy, spawn: spy.spawn });
    await opener.open('https://as.example.com/x');
    expect(spy.calls[0]).toMatchObject({ command: 'firefox', args: ['--new-window', 'https://as.example.com/x'] });
    expect(spy.calls[0]!.options.env).toEqual(env);
  });

  it('T34: the browser never inherits Latchkey secrets (passphrase, agent or session secret, any LATCHKEY_*_TOKEN)', async () => {
    const spy = createSpawnSpy();
    const env = {
      BROWSER: 'firefox',
      PATH: '/usr/bin',
      LATCHKEY_HOME: '/h',
      LATCHKEY_PASSPHRASE: 'p',
      LATCHKEY_AGENT_SECRET: 'a',
      LATCHKEY_SESSION: 's',
      LATCHKEY_OWNER_TOKEN: 'o',
      latchkey_ui_cookie: 'c',
    };
    const opener = createSystemOpener({ env, platform: 'linux', policy, spawn: spy.spawn });
    await opener.open('https://as.example.com/x');
    expect(spy.calls[0]!.options.env).toEqual({ BROWSER: 'firefox', PATH: '/usr/bin', LATCHKEY_HOME: '/h' });
  });
});

describe('parseBrowserVariable', () => {
  const url = 'https://as.example.com/a?b=1';
  const cases: Array<[string, string | undefined, { command: string; args: string[] } | undefined]> = [
    ['unset', undefined, undefined],
    ['empty', '', undefined],
    ['only separators and spaces', ' : : ', undefined],
    ['a bare command', 'chromium', { command: 'chromium', args: [url] }],
    ['command with arguments', 'chromium --incognito  --new-window', { command: 'chromium', args: ['--incognito', '--new-window', url] }],
    ['the first of a colon list', 'w3m:lynx:firefox', { command: 'w3m', args: [url] }],
    ['skipping empty list entries', ':  :lynx -dump', { command: 'lynx', args: ['-dump', url] }],
    ['%s placeholder', 'chromium --app=%s --x', { command: 'chromium', args: [`--app=${url}`, '--x'] }],
    ['%s as its own argument', 'launcher %s --after', { command: 'launcher', args: [url, '--after'] }],
    ['two %s', 'x %s %s', { command: 'x', args: [url, url] }],
    ['quotes are not interpreted', 'sh -c "echo', { command: 'sh', args: ['-c', '"echo', url] }],
  ];
  for (const [name, value, expected] of cases) {
    it(`parses BROWSER: ${name}`, () => {
      const parsed = parseBrowserVariable(value, url, 'linux');
      if (expected === undefined) expect(parsed).toBeUndefined();
      else expect(parsed).toEqual({ ...expected, source: 'BROWSER' });
    });
  }

  it('splits on ";" on Windows so drive letters survive', () => {
    expect(parseBrowserVariable('C:\\b\\chrome.exe;other', url, 'win32')).toEqual({
      command: 'C:\\b\\chrome.exe',
      args: [url],
      source: 'BROWSER',
    });
  });
});

describe('createSystemOpener with a real process', () => {
  let dir: string;
  let recorder: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-opener-'));
    recorder = join(dir, 'record-argv.mjs');
    await writeFile(
      recorder,
      "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)));\n",
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('A7/O8: a BROWSER command receives the URL intact as exactly one argument', async () => {
    const out = join(dir, 'argv.json');
    const started: ChildProcess[] = [];
    const spawn: SpawnFunction = (command, args, options) => {
      const child = nodeSpawn(command, args, options);
      started.push(child);
      return child;
    };
    const opener = createSystemOpener({
      env: { ...process.env, BROWSER: `${process.execPath} ${recorder} ${out}` },
      platform: process.platform,
      policy,
      spawn,
    });
    await opener.open(URL_WITH_METACHARACTERS);
    expect(started).toHaveLength(1);
    const child = started[0]!;
    if (child.exitCode === null) await once(child, 'exit');
    expect(child.exitCode).toBe(0);
    const argv = JSON.parse(await readFile(out, 'utf8')) as string[];
    expect(argv).toEqual([new URL(URL_WITH_METACHARACTERS).href]);
  });

  it('a BROWSER command that does not exist gives opener.failed', async () => {
    const opener = createSystemOpener({
      env: { ...process.env, BROWSER: join(dir, 'no-such-browser') },
      platform: process.platform,
      policy,
    });
    await expect(opener.open('https://as.example.com/')).rejects.toMatchObject({
      code: ErrorCode.OpenerFailed,
      details: { reason: 'ENOENT' },
    });
  });
});
