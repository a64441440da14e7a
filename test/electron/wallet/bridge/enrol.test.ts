/**
 * T32 at the bridge: enrolment only over the Unix socket, from our own OS user, with the process
 * that asks named for the owner. A real bridge server, real sockets, real child processes, and a
 * real second OS user (`runuser -u nobody`, so these tests need root: skipped otherwise).
 */
import { chmod, mkdtemp, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { PeerIdentifier } from '../../../../electron/wallet/bridge/peer.js';
import { isRoot, startEnrolClient } from './enrol-client.js';
import { startTestBridge, type TestBridge } from './support.js';

const onLinux = process.platform === 'linux';
let bridge: TestBridge | undefined;

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

describe('bridge /v1/enrol (T32)', () => {
  it('T32: enrolment over TCP is refused with bridge.enrol_needs_socket before the handler; no prompt', async () => {
    bridge = await startTestBridge();
    const results = await startEnrolClient(bridge.port, 'bot', { count: 5 }).done;
    expect(results).toEqual(Array.from({ length: 5 }, () => ({ status: 403, code: ErrorCode.EnrolNeedsSocket })));
    expect(bridge.handler.enrolCalls).toEqual([]);
    await bridge.handler.waitForRejections(5);
    expect(bridge.handler.rejections.every((r) => r.code === ErrorCode.EnrolNeedsSocket && r.transport === 'tcp')).toBe(true);
  });

  it.skipIf(!onLinux)('T32: over the socket the handler gets the real pid, executable and working directory of the asking process', async () => {
    bridge = await startTestBridge();
    const cwd = await mkdtemp(join(bridge.dir.base, 'project-'));
    const client = startEnrolClient(bridge.socketPath, 'bot', { cwd });
    expect(await client.done).toEqual([{ status: 200 }]);
    const pid = await client.pid;
    expect(bridge.handler.enrolRequesters).toEqual([
      { key: `peer:${process.getuid!()}:${pid}`, shown: { pid, uid: process.getuid!(), exe: await realpath(process.execPath), cwd: await realpath(cwd) } },
    ]);
  });

  it('a peer that cannot be named is shown as unknown and keyed per request', async () => {
    const unknown: PeerIdentifier = { identify: () => Promise.resolve(undefined) };
    bridge = await startTestBridge({ peers: unknown });
    expect(await startEnrolClient(bridge.socketPath, 'bot', { count: 2 }).done).toEqual([{ status: 200 }, { status: 200 }]);
    const [first, second] = bridge.handler.enrolRequesters;
    expect(first?.shown).toBeUndefined();
    expect(first?.key).toMatch(/^conn:/);
    expect(second?.key).not.toBe(first?.key);
  });

  it('a peer known to run as another uid is refused with bridge.foreign_user before the handler', async () => {
    const foreign: PeerIdentifier = { identify: () => Promise.resolve({ pid: 4242, uids: [process.getuid!() + 1] }) };
    bridge = await startTestBridge({ peers: foreign });
    expect(await startEnrolClient(bridge.socketPath, 'bot').done).toEqual([{ status: 403, code: ErrorCode.ForeignPeer }]);
    expect(bridge.handler.enrolCalls).toEqual([]);
  });
});

describe.skipIf(!isRoot || !onLinux)('bridge /v1/enrol against another local user (runs as root, uses runuser)', () => {
  it('T32: nobody cannot enrol over TCP (refused, 0 prompts) nor over the socket (EACCES)', async () => {
    bridge = await startTestBridge();
    // Let nobody walk up to the runtime directory; the runtime directory itself stays 0700.
    await chmod(bridge.dir.base, 0o711);
    const tcp = await startEnrolClient(bridge.port, 'phish', { count: 20, asNobody: true }).done;
    expect(tcp).toEqual(Array.from({ length: 20 }, () => ({ status: 403, code: ErrorCode.EnrolNeedsSocket })));
    const socket = await startEnrolClient(bridge.socketPath, 'phish', { asNobody: true }).done;
    expect(socket).toEqual([{ error: 'EACCES' }]);
    expect(bridge.handler.enrolCalls).toEqual([]);
  });

  it('T32: even through a socket opened up by mistake, a process of another user is refused (bridge.foreign_user)', async () => {
    bridge = await startTestBridge();
    await chmod(bridge.dir.base, 0o711);
    await chmod(bridge.dir.runtimeDir, 0o711);
    await chmod(bridge.socketPath, 0o666);
    expect(await startEnrolClient(bridge.socketPath, 'phish', { asNobody: true }).done).toEqual([{ status: 403, code: ErrorCode.ForeignPeer }]);
    expect(bridge.handler.enrolCalls).toEqual([]);
  });
});
