/**
 * The per-user connection caps of a loopback TCP listener (T35), on a real node:http server with
 * real client sockets. Who owns a client is told by a PeerOwnerSource: a stand-in that maps each
 * client's loopback address (127.0.0.x, chosen by the test) to a uid, and the real /proc/net/tcp
 * for this process's own connections.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGuard, guardTcpServer, type ConnectionGuardOptions, type ShedEvent } from '../../../../electron/base/net/connection-guard.js';
import { peerKey, procPeerOwners, ProcNetTcpOwners, type PeerOwnerSource } from '../../../../electron/base/net/tcp-peer-owners.js';
import { RecordingLogger } from '../../wallet/host/support.js';

const OWNER = 1000;
const OTHER = 2000;
const THIRD = 3000;
/** The loopback address each test client connects from, and the uid the stand-in says it has. */
const FROM: Record<number, string> = { [OWNER]: '127.0.0.11', [OTHER]: '127.0.0.12', [THIRD]: '127.0.0.13' };
const UNATTRIBUTED = '127.0.0.99';
const UID_BY_ADDRESS = new Map(Object.entries(FROM).map(([uid, address]) => [address, Number(uid)]));

/** Owners by client address, from the sockets the server accepted; reads can be held back. */
class AddressOwners implements PeerOwnerSource {
  reads = 0;
  failWith: Error | undefined;
  readonly accepted: Socket[] = [];
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;

  watch(server: Server): void {
    server.on('connection', (socket: Socket) => this.accepted.push(socket));
  }

  /** Reads wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate();
  }

  async readPeerOwners(): Promise<ReadonlyMap<string, number>> {
    this.reads += 1;
    await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    const owners = new Map<string, number>();
    for (const socket of this.accepted) {
      const uid = UID_BY_ADDRESS.get(socket.remoteAddress ?? '');
      if (uid !== undefined && socket.remotePort !== undefined) owners.set(peerKey(socket.remoteAddress ?? '', socket.remotePort), uid);
    }
    return owners;
  }
}

interface Guarded {
  server: Server;
  port: number;
  guard: ConnectionGuard;
  owners: AddressOwners;
  logger: RecordingLogger;
  shed: ShedEvent[];
}

const servers: Server[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  clients.splice(0).forEach((socket) => socket.destroy());
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function startGuarded(options: Partial<ConnectionGuardOptions> = {}): Promise<Guarded> {
  const server = createServer((_req, res) => res.end('ok'));
  servers.push(server);
  const owners = new AddressOwners();
  owners.watch(server);
  const logger = new RecordingLogger();
  const guard = new ConnectionGuard({
    name: 'test',
    owners,
    trustedUids: [OWNER, 0],
    perForeignUser: 0,
    attributeAbove: 0,
    maxConnections: 100,
    logger,
    clock: { now: () => 0 },
    ...options,
  }).attach(server);
  const shed: ShedEvent[] = [];
  guard.onShed((event) => shed.push(event));
  await listen(server);
  return { server, port: (server.address() as AddressInfo).port, guard, owners, logger, shed };
}

async function listen(server: Server): Promise<void> {
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
}

interface Client {
  socket: Socket;
  /** Resolves with the error code the client saw when the server closed it ('' for a plain close). */
  closed: Promise<string>;
}

async function openFrom(port: number, localAddress: string): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  clients.push(socket);
  let code = '';
  socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code ?? 'error'));
  // Not events.once: it rejects on 'error', and a reset is what some tests wait for.
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(code)));
  await once(socket, 'connect');
  return { socket, closed };
}

async function openMany(port: number, uid: number | undefined, count: number): Promise<Client[]> {
  return Promise.all(Array.from({ length: count }, () => openFrom(port, uid === undefined ? UNATTRIBUTED : (FROM[uid] ?? UNATTRIBUTED))));
}

/** A keep-alive request on an open connection (which stays open); the status, or 0 if the connection went. */
function askOn(client: Client): Promise<number> {
  return new Promise((resolve) => {
    const { socket } = client;
    if (socket.destroyed) return resolve(0);
    let received = '';
    const finish = (status: number): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(status);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      const answer = /^HTTP\/1\.1 (\d{3}) [^]*?\r\n\r\nok$/.exec(received);
      if (answer !== null) finish(Number(answer[1]));
    };
    const onClose = (): void => finish(0);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** The server's end of a client's connection, once accepted. */
function serverEndOf(g: Guarded, client: Client): Socket | undefined {
  return g.owners.accepted.find((socket) => socket.remotePort === client.socket.localPort && socket.remoteAddress === client.socket.localAddress);
}

function isOpen(client: Client): boolean {
  return !client.socket.destroyed;
}

describe('ConnectionGuard (T35)', () => {
  it('T35: with no room for other users, their connections are reset and the owner’s are served', async () => {
    const g = await startGuarded({ perForeignUser: 0 });
    g.owners.hold();
    const owner = await openMany(g.port, OWNER, 3);
    const other = await openMany(g.port, OTHER, 3);
    await until(() => g.owners.accepted.length === 6);
    g.owners.release();
    expect(await Promise.all(other.map((c) => c.closed))).toEqual(['ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
    expect(await Promise.all(owner.map((c) => askOn(c)))).toEqual([200, 200, 200]);
    expect(g.guard.stats()).toEqual({ shed: 3, byUid: { [OTHER]: 3 }, unattributed: 0, held: {} });
    expect(g.shed).toEqual(Array.from({ length: 3 }, () => ({ listener: 'test', uid: OTHER })));
  });

  it('T35: each other uid keeps at most its cap, counted apart; peers that cannot be attributed share one cap', async () => {
    const g = await startGuarded({ perForeignUser: 2 });
    g.owners.hold();
    const other = await openMany(g.port, OTHER, 4);
    const third = await openMany(g.port, THIRD, 3);
    const unknown = await openMany(g.port, undefined, 3);
    const owner = await openMany(g.port, OWNER, 5);
    g.owners.release();
    await until(() => g.guard.stats().shed === 4);
    expect(g.guard.stats().byUid).toEqual({ [OTHER]: 2, [THIRD]: 1, unknown: 1 });
    expect(g.guard.stats().held).toEqual({ [OTHER]: 2, [THIRD]: 2, unknown: 2 });
    const all = [...other, ...third, ...unknown, ...owner];
    // The resets arrive on the client side a moment later.
    await until(() => all.filter((c) => !isOpen(c)).length === 4);
    const served = await Promise.all(all.map((c) => askOn(c)));
    expect(served.filter((status) => status === 200)).toHaveLength(2 + 2 + 2 + 5);
  });

  it('T35: a closed connection gives its slot back', async () => {
    const g = await startGuarded({ perForeignUser: 1 });
    const [first] = await openMany(g.port, OTHER, 1);
    await until(() => serverEndOf(g, first!) !== undefined && g.guard.stats().unattributed === 0);
    const [second] = await openMany(g.port, OTHER, 1);
    expect(await second!.closed).toBe('ECONNRESET');
    expect(await askOn(first!)).toBe(200);
    first!.socket.destroy();
    await first!.closed;
    // The server learns of the close a moment later: until then a newcomer is still one too many.
    for (let attempt = 0; ; attempt += 1) {
      const shedBefore = g.guard.stats().shed;
      const [next] = await openMany(g.port, OTHER, 1);
      await until(() => serverEndOf(g, next!) !== undefined && g.guard.stats().unattributed === 0);
      if (g.guard.stats().shed === shedBefore) {
        expect(await askOn(next!)).toBe(200);
        break;
      }
      expect(attempt).toBeLessThan(20);
    }
  });

  it('T35: one table read serves every connection accepted while it was pending', async () => {
    const g = await startGuarded({ perForeignUser: 0 });
    g.owners.hold();
    const owner = await openMany(g.port, OWNER, 30);
    const other = await openMany(g.port, OTHER, 20);
    await until(() => g.owners.accepted.length === 50);
    g.owners.release();
    await Promise.all(other.map((c) => c.closed));
    expect(g.owners.reads).toBe(1);
    expect(owner.every(isOpen)).toBe(true);
  });

  it('T35: nothing is read while the listener has no more than attributeAbove connections; past it, all of them are attributed', async () => {
    const g = await startGuarded({ perForeignUser: 2, attributeAbove: 5 });
    const other = await openMany(g.port, OTHER, 5);
    expect(await Promise.all(other.map((c) => askOn(c)))).toEqual([200, 200, 200, 200, 200]);
    expect(g.owners.reads).toBe(0);
    other.push(...(await openMany(g.port, OTHER, 1)));
    await until(() => g.guard.stats().shed === 4);
    expect(g.owners.reads).toBeGreaterThan(0);
    expect(g.guard.stats().byUid).toEqual({ [OTHER]: 4 });
  });

  it('T35: says what it shed at most once per interval, in one line per batch, and the rest when the server closes', async () => {
    let now = 1_000_000;
    const g = await startGuarded({ perForeignUser: 0, logIntervalMs: 60_000, clock: { now: () => now } });
    g.owners.hold();
    const first = await openMany(g.port, OTHER, 3);
    await until(() => g.owners.accepted.length === 3);
    g.owners.release();
    await Promise.all(first.map((c) => c.closed));
    const shedLines = (): Array<Record<string, unknown>> => g.logger.lines.filter((l) => l.message === 'connections from other local users shed').map((l) => l.fields);
    expect(shedLines()).toEqual([{ listener: 'test', shed: 3, owners: `uid ${OTHER} x3` }]);
    now += 1_000;
    const more = [...(await openMany(g.port, OTHER, 1)), ...(await openMany(g.port, undefined, 1))];
    await Promise.all(more.map((c) => c.closed));
    await until(() => g.guard.stats().shed === 5);
    expect(shedLines()).toHaveLength(1);
    servers.splice(servers.indexOf(g.server), 1);
    await new Promise<void>((resolve) => g.server.close(() => resolve()));
    expect(shedLines()).toEqual([
      { listener: 'test', shed: 3, owners: `uid ${OTHER} x3` },
      { listener: 'test', shed: 2, owners: `uid ${OTHER} x1, unattributed x1` },
    ]);
  });

  it('without the socket table it serves as before and warns once', async () => {
    const g = await startGuarded({ perForeignUser: 0 });
    g.owners.failWith = new Error('EACCES');
    const first = await openMany(g.port, OTHER, 2);
    expect(await Promise.all(first.map((c) => askOn(c)))).toEqual([200, 200]);
    await until(() => g.owners.reads > 0 && g.guard.stats().unattributed === 0);
    const second = await openMany(g.port, OTHER, 2);
    expect(await Promise.all(second.map((c) => askOn(c)))).toEqual([200, 200]);
    await until(() => g.owners.reads > 1 && g.guard.stats().unattributed === 0);
    expect([...first, ...second].every(isOpen)).toBe(true);
    expect(g.guard.stats().shed).toBe(0);
    expect(g.logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });
});

describe('guardTcpServer', () => {
  it('where peers cannot be attributed (macOS, Windows) the server keeps its own maxConnections for everyone', () => {
    const server = createServer();
    server.maxConnections = 256;
    const logger = new RecordingLogger();
    const guard = guardTcpServer(server, { name: 'ui host', perForeignUser: 0, attributeAbove: 0, maxConnections: 4_096, logger, clock: { now: () => 0 }, platform: 'darwin' });
    expect(guard).toBeUndefined();
    expect(server.maxConnections).toBe(256);
    expect(server.listenerCount('connection')).toBe(1);
    expect(logger.lines.map((l) => l.message)).toEqual(['no per-user connection caps on this system (peers cannot be attributed)']);
  });

  it.skipIf(procPeerOwners() === undefined)('T35: on Linux, this process’s own connections are never capped, and the same uid untrusted is (needs /proc/net/tcp)', async () => {
    const ownUid = process.getuid?.() ?? -1;
    const trusting = createServer((_req, res) => res.end('ok'));
    servers.push(trusting);
    const guard = guardTcpServer(trusting, { name: 'ui host', perForeignUser: 0, attributeAbove: 0, maxConnections: 4_096, logger: new RecordingLogger(), clock: { now: () => 0 } });
    expect(trusting.maxConnections).toBe(4_096);
    await listen(trusting);
    const port = (trusting.address() as AddressInfo).port;
    const own = await Promise.all(Array.from({ length: 50 }, () => openFrom(port, '127.0.0.1')));
    expect(await Promise.all(own.map((c) => askOn(c)))).toEqual(own.map(() => 200));
    await until(() => guard?.stats().unattributed === 0);
    expect(guard?.stats().shed).toBe(0);
    expect(own.every(isOpen)).toBe(true);

    const strict = createServer((_req, res) => res.end('ok'));
    servers.push(strict);
    const capped = new ConnectionGuard({ name: 'strict', owners: new ProcNetTcpOwners(), trustedUids: [], perForeignUser: 3, attributeAbove: 0, maxConnections: 100, logger: new RecordingLogger(), clock: { now: () => 0 } }).attach(strict);
    await listen(strict);
    const strictPort = (strict.address() as AddressInfo).port;
    const mine = await Promise.all(Array.from({ length: 10 }, () => openFrom(strictPort, '127.0.0.1')));
    await until(() => capped.stats().shed === 7);
    expect(capped.stats().byUid).toEqual({ [ownUid]: 7 });
    const served = await Promise.all(mine.map((c) => askOn(c)));
    expect(served.filter((status) => status === 200)).toHaveLength(3);
  });
});

/** Checks `done` on every turn of the event loop (the guard works on timers, I/O and a worker thread). */
async function until(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
