/**
 * Per-user connection caps for a loopback TCP listener (threat T35: another local user holds
 * thousands of sockets open to deny the owner and the agents). Node's maxConnections counts every
 * peer alike, so a flood from anyone fills it. The guard attributes accepted connections to the
 * uid behind them (PeerOwnerSource: /proc/net/tcp on Linux), never caps trusted uids (this
 * process's user, root), holds every other uid, and peers it cannot attribute, to a few
 * connections each and resets the excess at once.
 *
 * Cost: one table read serves every connection accepted in the same short window, and with
 * `attributeAbove` > 0 nothing is read while the listener has no more open connections than that.
 * Attribution takes a few milliseconds, and a connection is served meanwhile: the guard bounds
 * how many connections another user holds, it authenticates nobody.
 */
import type { Server, Socket } from 'node:net';
import type { Clock, Logger } from '../ports.js';
import { peerKey, procPeerOwners, type PeerOwnerSource } from './tcp-peer-owners.js';

/** Connections each other uid may hold on the bridge's TCP port. */
export const DEFAULT_PER_FOREIGN_USER = 32;
/** The bridge attributes connections only while more than this many are open. */
export const DEFAULT_ATTRIBUTE_ABOVE = 64;
const DEFAULT_LOG_INTERVAL_MS = 60_000;
const DEFAULT_BATCH_DELAY_MS = 2;
const ROOT_UID = 0;

export interface ConnectionGuardOptions {
  /** Names the listener in the log line: "bridge", "ui host". */
  name: string;
  owners: PeerOwnerSource;
  /** Never capped: this process's user (and root, which is beyond any defence anyway). */
  trustedUids: readonly number[];
  /** Connections every other uid (and the unattributable) may hold; 0 refuses them outright. */
  perForeignUser: number;
  /** Attribute only while more than this many connections are open (0: every connection). */
  attributeAbove: number;
  /** The server's maxConnections while guarded (the shed never fill it for long). */
  maxConnections: number;
  logger: Logger;
  clock: Clock;
  /** At most one "connections shed" line per interval (default 60 s). */
  logIntervalMs?: number;
  /** How long to wait for more connections before reading the table (default 2 ms). */
  batchDelayMs?: number;
}

/** Who a shed connection belonged to: a uid, or undefined when it could not be attributed. */
export interface ShedEvent {
  listener: string;
  uid: number | undefined;
}

export interface GuardStats {
  /** Connections reset since the guard started. */
  shed: number;
  /** Per uid ("unknown" for peers that could not be attributed). */
  byUid: Record<string, number>;
  /** Open connections not attributed (yet, or at all while at most attributeAbove are open). */
  unattributed: number;
  /** Open connections of other uids now, per uid ("unknown" as above). */
  held: Record<string, number>;
}

type ShedListener = (event: ShedEvent) => void;

interface Peer {
  readonly socket: Socket;
  readonly key: string;
  /** Accept order, to tell whether a table read could have seen this peer. */
  readonly seq: number;
  /** The counted owner ("65534", "unknown"); undefined for trusted or not yet attributed peers. */
  owner?: string;
}

const UNKNOWN = 'unknown';

export class ConnectionGuard {
  private readonly trusted: ReadonlySet<number>;
  private readonly open = new Set<Peer>();
  private readonly unattributed = new Set<Peer>();
  private readonly held = new Map<string, number>();
  private readonly shedListeners = new Set<ShedListener>();
  private readonly totals = { shed: 0, byUid: {} as Record<string, number> };
  private unlogged: Record<string, number> = {};
  private lastLogAt = Number.NEGATIVE_INFINITY;
  private logTimer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private readFailed = false;
  private stopped = false;
  private nextSeq = 0;
  private server: Server | undefined;

  constructor(private readonly options: ConnectionGuardOptions) {
    this.trusted = new Set(options.trustedUids);
  }

  /** Watches `server`'s connections from now on and sets its maxConnections. */
  attach(server: Server): this {
    this.server = server;
    server.maxConnections = this.options.maxConnections;
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.once('close', () => this.stop());
    return this;
  }

  stats(): GuardStats {
    const held = Object.fromEntries([...this.held].filter(([, n]) => n > 0));
    return { shed: this.totals.shed, byUid: { ...this.totals.byUid }, unattributed: this.unattributed.size, held };
  }

  /** Called for every connection shed; returns the unsubscribe. */
  onShed(listener: ShedListener): () => void {
    this.shedListeners.add(listener);
    return () => this.shedListeners.delete(listener);
  }

  private admit(socket: Socket): void {
    const peer: Peer = { socket, key: peerKey(socket.remoteAddress ?? '', socket.remotePort ?? 0), seq: this.nextSeq++ };
    this.open.add(peer);
    this.unattributed.add(peer);
    socket.once('close', () => this.forget(peer));
    if (this.open.size > this.options.attributeAbove) this.scheduleBatch();
  }

  private forget(peer: Peer): void {
    this.open.delete(peer);
    this.unattributed.delete(peer);
    if (peer.owner !== undefined) this.held.set(peer.owner, (this.held.get(peer.owner) ?? 1) - 1);
  }

  private scheduleBatch(): void {
    if (this.stopped || this.reading || this.batchTimer !== undefined) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      void this.attributeBatch();
    }, this.options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
  }

  /** One table read for every peer not yet attributed. Never rejects. */
  private async attributeBatch(): Promise<void> {
    const address = this.server?.address();
    if (this.unattributed.size === 0 || address === null || address === undefined || typeof address === 'string') return;
    const readFrom = this.nextSeq;
    this.reading = true;
    let owners: ReadonlyMap<string, number>;
    try {
      owners = await this.options.owners.readPeerOwners({ address: address.address, port: address.port });
    } catch (error) {
      if (this.stopped) return;
      // The guard limits a nuisance; it must not become one: without the table, serve as before.
      if (!this.readFailed) this.options.logger.warn('connection guard could not read the socket table; not capping', { listener: this.options.name, reason: error instanceof Error ? error.message : 'unknown' });
      this.readFailed = true;
      this.unattributed.clear();
      return;
    } finally {
      this.reading = false;
    }
    for (const peer of [...this.unattributed]) {
      const uid = owners.get(peer.key);
      // Accepted while the table was being read and not in it yet: the next read will tell.
      if (uid === undefined && peer.seq >= readFrom) continue;
      this.unattributed.delete(peer);
      this.settle(peer, uid);
    }
    if (Object.keys(this.unlogged).length > 0) this.logShedSoon();
    if (this.unattributed.size > 0 && this.open.size > this.options.attributeAbove) this.scheduleBatch();
  }

  private settle(peer: Peer, uid: number | undefined): void {
    if (uid !== undefined && this.trusted.has(uid)) return;
    const owner = uid === undefined ? UNKNOWN : String(uid);
    const held = this.held.get(owner) ?? 0;
    if (held >= this.options.perForeignUser) {
      this.shed(peer, owner, uid);
      return;
    }
    this.held.set(owner, held + 1);
    peer.owner = owner;
  }

  private shed(peer: Peer, owner: string, uid: number | undefined): void {
    // A reset, not a FIN: nothing lingers in TIME_WAIT on our side.
    if (!peer.socket.destroyed) peer.socket.resetAndDestroy();
    this.totals.shed += 1;
    this.totals.byUid[owner] = (this.totals.byUid[owner] ?? 0) + 1;
    this.unlogged[owner] = (this.unlogged[owner] ?? 0) + 1;
    for (const listener of this.shedListeners) listener({ listener: this.options.name, uid });
  }

  private logShedSoon(): void {
    if (this.logTimer !== undefined) return;
    const interval = this.options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
    const wait = Math.max(0, this.lastLogAt + interval - this.options.clock.now());
    if (wait === 0) {
      this.logShed();
      return;
    }
    this.logTimer = setTimeout(() => {
      this.logTimer = undefined;
      this.logShed();
    }, wait);
    this.logTimer.unref();
  }

  private logShed(): void {
    const counts = Object.entries(this.unlogged);
    if (counts.length === 0) return;
    this.unlogged = {};
    this.lastLogAt = this.options.clock.now();
    const shed = counts.reduce((sum, [, n]) => sum + n, 0);
    const owners = counts.map(([owner, n]) => (owner === UNKNOWN ? `unattributed x${n}` : `uid ${owner} x${n}`)).join(', ');
    this.options.logger.warn('connections from other local users shed', { listener: this.options.name, shed, owners });
  }

  private stop(): void {
    this.stopped = true;
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    if (this.logTimer !== undefined) clearTimeout(this.logTimer);
    this.batchTimer = undefined;
    this.logTimer = undefined;
    this.logShed();
  }
}

export type GuardTcpServerOptions = Omit<ConnectionGuardOptions, 'owners' | 'trustedUids'> & {
  /** Default: /proc/net/tcp on Linux. */
  owners?: PeerOwnerSource;
  /** Default: this process's uid and root. */
  trustedUids?: readonly number[];
  /** The system the default source reads (default process.platform). */
  platform?: NodeJS.Platform;
};

/**
 * Attaches a guard to a loopback TCP server. Where the system cannot attribute TCP peers (no
 * /proc/net/tcp: macOS, Windows) it returns undefined and leaves the server as it was: its own
 * maxConnections for everyone alike.
 */
export function guardTcpServer(server: Server, options: GuardTcpServerOptions): ConnectionGuard | undefined {
  const ownUid = process.getuid?.();
  const created = options.owners === undefined && ownUid !== undefined ? procPeerOwners(options.platform) : undefined;
  const owners = options.owners ?? created;
  if (owners === undefined || ownUid === undefined) {
    options.logger.info('no per-user connection caps on this system (peers cannot be attributed)', { listener: options.name });
    return undefined;
  }
  if (created !== undefined) server.once('close', () => created.close());
  const { platform: _platform, ...rest } = options;
  return new ConnectionGuard({ ...rest, owners, trustedUids: options.trustedUids ?? [ownUid, ROOT_UID] }).attach(server);
}
