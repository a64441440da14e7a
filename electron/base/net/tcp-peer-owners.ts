/**
 * Who is on the other end of a loopback TCP connection (threat T35). A TCP peer carries no
 * credentials, but on Linux the kernel lists every socket of this network namespace in
 * /proc/net/tcp (and /proc/net/tcp6) with the uid that created it: the client end of a connection
 * to our listener is the line whose rem_address is the listener and whose local_address is the
 * peer's address and port. Addresses are hex in host byte order, ports hex.
 */
import { accessSync, constants } from 'node:fs';
import { endianness } from 'node:os';
import { WorkerTableReader, type TableSource } from './proc-table-reader.js';

export interface TcpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** Port: the uid behind each live client socket connected to `listener`, keyed by `address:port`. */
export interface PeerOwnerSource {
  readPeerOwners(listener: TcpEndpoint): Promise<ReadonlyMap<string, number>>;
}

export type ByteOrder = 'LE' | 'BE';

export const PROC_TCP4 = '/proc/net/tcp';
export const PROC_TCP6 = '/proc/net/tcp6';

/** The key a peer has in readPeerOwners' answer. */
export function peerKey(address: string, port: number): string {
  return `${address}:${port}`;
}

/** Reads /proc/net/tcp and /proc/net/tcp6 (IPv4-mapped clients of an IPv4 listener are there). */
export class ProcNetTcpOwners implements PeerOwnerSource {
  constructor(
    private readonly tables: TableSource = new WorkerTableReader(),
    private readonly byteOrder: ByteOrder = endianness(),
  ) {}

  async readPeerOwners(listener: TcpEndpoint): Promise<ReadonlyMap<string, number>> {
    const needles = [4, 6].map((family) => ` ${encodeEndpoint(listener, family === 4 ? 4 : 6, this.byteOrder) ?? ''} `);
    const [v4, v6] = await this.tables.readLines([PROC_TCP4, PROC_TCP6], needles);
    if (v4 === null || v4 === undefined) throw new Error(`${PROC_TCP4} cannot be read`);
    const owners = new Map<string, number>();
    collectPeerOwners(v4, 4, listener, this.byteOrder, owners);
    // No IPv6 in this kernel or namespace: nothing can be there.
    collectPeerOwners(v6 ?? '', 6, listener, this.byteOrder, owners);
    return owners;
  }

  /** Stops the reader's worker thread. */
  close(): void {
    this.tables.close();
  }
}

/** The /proc source where this system has one (Linux), else undefined. */
export function procPeerOwners(platform: NodeJS.Platform = process.platform): ProcNetTcpOwners | undefined {
  if (platform !== 'linux') return undefined;
  try {
    accessSync(PROC_TCP4, constants.R_OK);
  } catch {
    return undefined;
  }
  return new ProcNetTcpOwners();
}

/**
 * Adds to `into` the owner of every client socket of `listener` listed in `table` (the text of
 * /proc/net/tcp for family 4, /proc/net/tcp6 for 6). Only sockets a process still holds count
 * (inode ≠ 0): TIME_WAIT and orphaned sockets are listed with uid 0 and prove nothing. Lines are
 * found by searching for the listener, so a table of 20,000 sockets costs a few milliseconds.
 */
export function collectPeerOwners(table: string, family: 4 | 6, listener: TcpEndpoint, byteOrder: ByteOrder, into: Map<string, number>): void {
  const remote = encodeEndpoint(listener, family, byteOrder);
  if (remote === undefined) return;
  const needle = ` ${remote} `;
  const localWidth = remote.length;
  for (let at = table.indexOf(needle); at >= 0; at = table.indexOf(needle, at + needle.length)) {
    // Line: "sl: local rem st tx:rx tr:when retrnsmt uid timeout inode …". The listener must be the
    // rem column, right after a local column (our own accepted sockets have it as local).
    const localStart = at - localWidth;
    if (localStart < 2 || table.charCodeAt(localStart - 1) !== SPACE || table.charCodeAt(localStart - 2) !== COLON) continue;
    // st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    AFTER_REMOTE.lastIndex = at + needle.length;
    const fields = AFTER_REMOTE.exec(table);
    if (fields === null || fields[2] === '0') continue;
    const uid = Number(fields[1]);
    const peer = decodeEndpoint(table.slice(localStart, at), family, byteOrder);
    if (peer !== undefined) into.set(peerKey(peer.address, peer.port), uid);
  }
}

const SPACE = 0x20;
const COLON = 0x3a;
const AFTER_REMOTE = /[0-9A-F]{2} [0-9A-F]+:[0-9A-F]+ [0-9A-F]{2}:[0-9A-F]+ [0-9A-F]+ +(\d{1,10}) +-?\d+ +(\d+)/y;

/** `0100007F:1F90` (family 4) or the IPv4-mapped `0000000000000000FFFF00000100007F:1F90` (6). */
export function encodeEndpoint(endpoint: TcpEndpoint, family: 4 | 6, byteOrder: ByteOrder): string | undefined {
  const octets = endpoint.address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  const bytes = family === 4 ? octets : [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...octets];
  return `${wordsToHex(bytes, byteOrder)}:${endpoint.port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The IPv4 endpoint in a local_address column; undefined for IPv6 peers that are not IPv4-mapped. */
export function decodeEndpoint(column: string, family: 4 | 6, byteOrder: ByteOrder): TcpEndpoint | undefined {
  if (!(family === 4 ? V4_COLUMN : V6_COLUMN).test(column)) return undefined;
  if (family === 6 && (column.slice(0, 16) !== '0000000000000000' || column.slice(16, 24).toUpperCase() !== (byteOrder === 'LE' ? 'FFFF0000' : '0000FFFF'))) return undefined;
  const hex = column.slice(family === 4 ? 0 : 24, family === 4 ? 8 : 32);
  const word = parseInt(hex, 16);
  const [a, b, c, d] = byteOrder === 'LE' ? [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24] : [word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff];
  return { address: `${a}.${b}.${c}.${d}`, port: parseInt(column.slice(-4), 16) };
}

const V4_COLUMN = /^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{4}$/;
const V6_COLUMN = /^[0-9A-Fa-f]{32}:[0-9A-Fa-f]{4}$/;

/** The kernel prints addresses as 32-bit words in host byte order. */
function wordsToHex(bytes: number[], byteOrder: ByteOrder): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (byteOrder === 'LE') word.reverse();
    out += word.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  }
  return out;
}
