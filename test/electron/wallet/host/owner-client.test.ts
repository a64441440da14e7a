/**
 * T36: a session started over the owner socket is bound to the caller as the OS names it.
 * T39: the CLI trusts the owner endpoint only as it trusts the bridge's discovery file: the runtime
 * directory 0700 and ours, the owner token a regular 0600 file of ours, never a symlink. A token
 * others could read (or write) is refused with bridge.unsafe_path, by a real `latchkey` process.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile, readFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { findOwnerEndpoint, openRemoteWallet } from '../../../../electron/wallet/host/owner-client.js';
import { OWNER_TOKEN_FILE, startOwnerServer, type OwnerServer } from '../../../../electron/wallet/host/owner-server.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { runCli } from '../../../support/run-cli.js';

let base: string;
let runtimeDir: string;
let composed: ComposedWallet;
let owner: OwnerServer;

beforeAll(async () => {
  base = await mkdtemp('/tmp/lkown-'); // short: Unix socket paths are limited to 108 bytes
  runtimeDir = join(base, 'run');
  await mkdir(runtimeDir, { mode: 0o700 });
  composed = await composeWallet({ home: join(base, 'home'), allowInsecureLoopback: false, vault: { mode: 'memory' } }, {});
  owner = await startOwnerServer({ wallet: composed.wallet, runtimeDir, logger: silentLogger });
});

afterAll(async () => {
  await owner?.close();
  await composed?.wallet.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const tokenPath = () => join(runtimeDir, OWNER_TOKEN_FILE);

afterEach(async () => {
  // Put things back as the daemon left them.
  await chmod(runtimeDir, 0o700);
  await chmod(tokenPath(), 0o600).catch(() => undefined);
});

/** `latchkey agent list --json` as a user runs it, against this owner endpoint. */
function cliAgentList() {
  return runCli(['agent', 'list', '--json'], { LATCHKEY_RUNTIME_DIR: runtimeDir, LATCHKEY_HOME: join(base, 'cli-home'), LATCHKEY_VAULT: 'memory' });
}

describe('owner endpoint discovery trusts only private files (T39)', () => {
  it('the daemon writes its token 0600 in its 0700 directory, and the CLI uses it', async () => {
    expect(await findOwnerEndpoint(runtimeDir)).toMatchObject({ token: expect.any(String) as unknown });
    const listed = await cliAgentList();
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('T39: a token file others can read is refused with bridge.unsafe_path (also by a real latchkey process)', async () => {
    await chmod(tokenPath(), 0o644);
    await expect(findOwnerEndpoint(runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
    const listed = await cliAgentList();
    expect(listed.code).not.toBe(0);
    expect(listed.stdout + listed.stderr).toContain('bridge.unsafe_path'); // --json: the error is JSON on stdout
  });

  it('T39: a runtime directory others can enter is refused with bridge.unsafe_path', async () => {
    await chmod(runtimeDir, 0o755);
    await expect(findOwnerEndpoint(runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
    const listed = await cliAgentList();
    expect(listed.stdout + listed.stderr).toContain('bridge.unsafe_path'); // --json: the error is JSON on stdout
  });

  it('T39: a token file that is a symlink is refused, even to a private file with the right token', async () => {
    const token = await readFile(tokenPath(), 'utf8');
    const elsewhere = join(base, 'planted-token');
    await writeFile(elsewhere, token, { mode: 0o600 });
    await rename(tokenPath(), `${tokenPath()}.real`);
    await symlink(elsewhere, tokenPath());
    try {
      await expect(findOwnerEndpoint(runtimeDir)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
    } finally {
      await rm(tokenPath());
      await rename(`${tokenPath()}.real`, tokenPath());
    }
  });

  it('T39: a runtime directory that is a symlink is refused', async () => {
    const link = join(base, 'linked-run');
    await symlink(runtimeDir, link);
    await expect(findOwnerEndpoint(link)).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
  });

  it('no runtime directory or no token file means no daemon, not an error', async () => {
    expect(await findOwnerEndpoint(join(base, 'missing'))).toBeUndefined();
    const empty = join(base, 'empty-run');
    await mkdir(empty, { mode: 0o700 });
    expect(await findOwnerEndpoint(empty)).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux' || !existsSync('/usr/bin/ss'))('T36: a session asked for over the owner socket is bound to the calling process as the OS names it, not to the pid it states (Linux, ss)', async () => {
    await composed.wallet.enrolAgent({ name: 'bound-agent' });
    const endpoint = await findOwnerEndpoint(runtimeDir);
    const remote = await openRemoteWallet(endpoint!);
    const { session } = await remote.startSession({ agent: 'bound-agent', ttlSeconds: 60, pid: process.ppid });
    expect(session.pid).toBe(process.pid);
    await remote.endSession({ id: session.id, reason: 'exited' });
  });

  it('T39: the daemon refuses to write its token into a directory others can enter', async () => {
    const open = join(base, 'open-run');
    await mkdir(open, { mode: 0o700 });
    await chmod(open, 0o755);
    await expect(startOwnerServer({ wallet: composed.wallet, runtimeDir: open, logger: silentLogger })).rejects.toMatchObject({ code: ErrorCode.BridgeUnsafePath });
  });
});
