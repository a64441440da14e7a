import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { findBridgeDiscovery, runtimeDirCandidates } from '../../../../electron/base/runtime/discovery.js';
import { startBridgeServer } from '../../../../electron/wallet/bridge/server.js';
import { FakeBridgeHandler } from '../../../fakes/fake-bridge-handler.js';
import { makeTempDir, type TempDir } from '../../wallet/bridge/support.js';

describe('finding the bridge from a minimal environment', () => {
  const dirs: TempDir[] = [];
  const tempDir = async (): Promise<TempDir> => {
    const dir = await makeTempDir('lk-disc-');
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => dir.remove()));
  });

  it('env -i HOME=…: tries /run/user/<uid>/latchkey (where a desktop daemon puts it) and <home>/run', () => {
    expect(runtimeDirCandidates({ HOME: '/home/u' }, 1000, '/run/user')).toEqual(['/home/u/.latchkey/run', '/run/user/1000/latchkey']);
    expect(runtimeDirCandidates({ HOME: '/home/u', XDG_RUNTIME_DIR: '/x' }, 1000, '/run/user')).toEqual([
      '/x/latchkey',
      '/run/user/1000/latchkey',
      '/home/u/.latchkey/run',
    ]);
    expect(runtimeDirCandidates({ HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, '/run/user')).toEqual([
      '/run/user/1000/latchkey',
      '/home/u/.latchkey/run',
    ]);
    expect(runtimeDirCandidates({ HOME: '/home/u' }, 1000, null)).toEqual(['/home/u/.latchkey/run']);
  });

  it('an explicit LATCHKEY_RUNTIME_DIR is the only place looked in', () => {
    expect(runtimeDirCandidates({ LATCHKEY_RUNTIME_DIR: '/r', HOME: '/home/u' }, 1000, '/run/user')).toEqual(['/r']);
  });

  it('finds the live bridge in a later candidate; none → bridge.not_running naming every place looked in', async () => {
    const empty = await tempDir();
    const live = await tempDir();
    const server = await startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: live.runtimeDir });
    try {
      expect(findBridgeDiscovery([empty.runtimeDir, live.runtimeDir])).toEqual(server.discovery);
    } finally {
      await server.close();
    }
    expect(() => findBridgeDiscovery([empty.runtimeDir, live.runtimeDir])).toThrow(expect.objectContaining({
      code: ErrorCode.BridgeNotRunning,
      hint: expect.stringContaining(live.runtimeDir) as unknown,
    }));
  });

  it('T11: a candidate directory others can write stops the search (never skipped for a later one)', async () => {
    const open = await tempDir();
    await mkdir(open.runtimeDir, { mode: 0o700 });
    await chmod(open.runtimeDir, 0o777);
    const live = await tempDir();
    const server = await startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: live.runtimeDir });
    try {
      expect(() => findBridgeDiscovery([open.runtimeDir, join(live.runtimeDir)])).toThrow(expect.objectContaining({ code: ErrorCode.BridgeUnsafePath }));
    } finally {
      await server.close();
    }
  });
});
