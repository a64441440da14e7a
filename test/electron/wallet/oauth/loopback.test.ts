/**
 * The loopback listener's ports: ephemeral by default (RFC 8252), or exactly the one the owner
 * fixed with --callback-port, with its own error when that port is taken (never another port).
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { openLoopbackListener, type LoopbackListener } from '../../../../electron/wallet/oauth/loopback.js';

const listeners: LoopbackListener[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(blockers.splice(0).map((b) => new Promise<void>((resolve) => b.close(() => resolve()))));
});

function occupy(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      blockers.push(server);
      resolve(server);
    });
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function freePort(): Promise<number> {
  const server = await occupy();
  const port = portOf(server);
  blockers.splice(blockers.indexOf(server), 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('loopback listener ports', () => {
  it('--callback-port: binds exactly 127.0.0.1:<port>; the redirect URI names it', async () => {
    const port = await freePort();
    const listener = await openLoopbackListener({ exactPort: port, preferredPort: port + 1 });
    listeners.push(listener);
    expect(listener).toMatchObject({ host: '127.0.0.1', port, redirectUri: `http://127.0.0.1:${port}/callback` });
  });

  it('--callback-port taken: oauth.callback_port_in_use with a hint, and no other port is opened', async () => {
    const port = portOf(await occupy());
    await expect(openLoopbackListener({ exactPort: port })).rejects.toMatchObject({
      code: ErrorCode.CallbackPortInUse,
      message: expect.stringContaining(`127.0.0.1:${port} is already in use`),
      hint: expect.stringContaining('--callback-port'),
      details: { port },
    });
  });

  it('without it: a taken preferred port falls back to an ephemeral one', async () => {
    const port = portOf(await occupy());
    const listener = await openLoopbackListener({ preferredPort: port });
    listeners.push(listener);
    expect(listener.port).not.toBe(port);
    expect(listener.host).toBe('127.0.0.1');
  });
});
