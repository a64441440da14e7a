import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { defaultRuntimeDir, readBridgeDiscovery } from '../../../../electron/base/runtime/discovery.js';
import { startBridgeServer } from '../../../../electron/wallet/bridge/server.js';
import { FakeBridgeHandler } from '../../../fakes/fake-bridge-handler.js';
import { makeTempDir, type TempDir } from '../../wallet/bridge/support.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NOBODY_UID = 65534;

describe('bridge runtime directory', () => {
  const dirs: TempDir[] = [];
  const tempDir = async (): Promise<TempDir> => {
    const dir = await makeTempDir();
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => dir.remove()));
  });

  const start = (runtimeDir: string): ReturnType<typeof startBridgeServer> => startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir });

  it('B7: creates the directory 0700 and the socket and discovery file 0600', async () => {
    const dir = await tempDir();
    const server = await start(dir.runtimeDir);
    try {
      expect((await lstat(dir.runtimeDir)).mode & 0o777).toBe(0o700);
      const socket = await lstat(server.socketPath ?? '');
      expect(socket.isSocket()).toBe(true);
      expect(socket.mode & 0o777).toBe(0o600);
      expect((await lstat(join(dir.runtimeDir, 'bridge.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });

  it('B7: refuses a runtime directory that is a symlink (even to a private directory)', async () => {
    const dir = await tempDir();
    const real = join(dir.base, 'real');
    await mkdir(real, { mode: 0o700 });
    await symlink(real, dir.runtimeDir);
    await expect(start(dir.runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
    await symlink(join(dir.base, 'nowhere'), join(dir.base, 'dangling'));
    await expect(start(join(dir.base, 'dangling'))).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
  });

  it('B7: refuses a runtime directory with mode 0755 (and 0710), without changing it', async () => {
    const dir = await tempDir();
    for (const mode of [0o755, 0o710, 0o701]) {
      await mkdir(dir.runtimeDir, { recursive: true });
      await chmod(dir.runtimeDir, mode);
      await expect(start(dir.runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
      expect((await lstat(dir.runtimeDir)).mode & 0o777).toBe(mode);
    }
  });

  it.skipIf(!isRoot)('B7: refuses a runtime directory owned by another user (needs root to chown)', async () => {
    const dir = await tempDir();
    await mkdir(dir.runtimeDir, { mode: 0o700 });
    await chown(dir.runtimeDir, NOBODY_UID, NOBODY_UID);
    await expect(start(dir.runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
  });

  it('refuses a relative runtime directory and a regular file where the socket goes', async () => {
    await expect(start('relative/run')).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
    const dir = await tempDir();
    await mkdir(dir.runtimeDir, { mode: 0o700 });
    await writeFile(join(dir.runtimeDir, 'bridge.sock'), 'not a socket');
    await expect(start(dir.runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
  });

  it('readBridgeDiscovery trusts only a private file in a private directory of a live process', async () => {
    const dir = await tempDir();
    expect(() => readBridgeDiscovery(dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeNotRunning }));
    const server = await start(dir.runtimeDir);
    try {
      expect(readBridgeDiscovery(dir.runtimeDir)).toEqual(server.discovery);
      const file = join(dir.runtimeDir, 'bridge.json');
      await chmod(file, 0o644);
      expect(() => readBridgeDiscovery(dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeUnsafePath }));
      await chmod(file, 0o600);
      await chmod(dir.runtimeDir, 0o755);
      expect(() => readBridgeDiscovery(dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeUnsafePath }));
      await chmod(dir.runtimeDir, 0o700);
      // A file left by a process that is gone says the bridge is not running.
      await writeFile(file, JSON.stringify({ ...server.discovery, pid: 2 ** 22 + 1 }), { mode: 0o600 });
      expect(() => readBridgeDiscovery(dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeNotRunning }));
      await writeFile(file, '{not json', { mode: 0o600 });
      expect(() => readBridgeDiscovery(dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeNotRunning }));
    } finally {
      await server.close();
    }
  });

  it('defaultRuntimeDir: LATCHKEY_RUNTIME_DIR, then XDG_RUNTIME_DIR/latchkey, then <home>/run', () => {
    expect(defaultRuntimeDir({ LATCHKEY_RUNTIME_DIR: '/r/x', XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/r/x');
    expect(defaultRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1', LATCHKEY_HOME: '/h' })).toBe('/run/user/1/latchkey');
    expect(defaultRuntimeDir({ XDG_RUNTIME_DIR: 'relative', LATCHKEY_HOME: '/h' })).toBe('/h/run');
    expect(defaultRuntimeDir({ HOME: '/home/u' })).toBe('/home/u/.latchkey/run');
  });
});

/** Runs a Node script as `nobody` and returns what it printed as JSON. */
async function runAsNobody(script: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script, ...args], { timeout: 15_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const NOBODY_SCRIPT = `
const net = require('node:net');
const http = require('node:http');
const [socketPath, port] = process.argv.slice(1);
const result = { uid: process.getuid() };
const c = net.connect({ path: socketPath });
c.on('connect', () => { result.socket = 'connected'; c.destroy(); next(); });
c.on('error', (e) => { result.socket = e.code; next(); });
function next() {
  const req = http.request({ host: '127.0.0.1', port: Number(port), path: '/v1/whoami', headers: { 'latchkey-bridge': '1', authorization: 'Bearer guessed' } }, (res) => {
    result.tcp = res.statusCode;
    res.resume();
    res.on('end', () => console.log(JSON.stringify(result)));
  });
  req.on('error', (e) => { result.tcp = e.code; console.log(JSON.stringify(result)); });
  req.end();
}
`;

describe.skipIf(!isRoot)('bridge against another local user (runs as root, uses runuser)', () => {
  it('B8: nobody gets EACCES on the socket (directory and socket file) and 401 on TCP', async () => {
    const dir = await makeTempDir();
    // Let nobody walk up to the runtime directory; the runtime directory itself stays 0700.
    await chmod(dir.base, 0o711);
    const handler = new FakeBridgeHandler();
    const server = await startBridgeServer({ handler, runtimeDir: dir.runtimeDir });
    try {
      const port = new URL(server.url ?? '').port;
      const first = await runAsNobody(NOBODY_SCRIPT, [server.socketPath ?? '', port]);
      expect(first).toEqual({ uid: NOBODY_UID, socket: 'EACCES', tcp: 401 });
      // Even with the directory opened to traversal, the 0600 socket itself refuses nobody.
      await chmod(dir.runtimeDir, 0o711);
      const second = await runAsNobody(NOBODY_SCRIPT, [server.socketPath ?? '', port]);
      expect(second).toEqual({ uid: NOBODY_UID, socket: 'EACCES', tcp: 401 });
      expect(handler.handledCalls).toBe(0);
      expect(handler.rejections.filter((r) => r.code === ErrorCode.Unauthenticated && r.transport === 'tcp')).toHaveLength(2);
    } finally {
      await server.close();
      await dir.remove();
    }
  });
});
