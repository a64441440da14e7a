/**
 * Reading who owns the client end of a loopback TCP connection from /proc/net/tcp{,6} (T35):
 * fixtures in the kernel's exact format, both byte orders, and one live read on Linux.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  collectPeerOwners,
  decodeEndpoint,
  encodeEndpoint,
  procPeerOwners,
  ProcNetTcpOwners,
} from '../../../../electron/base/net/tcp-peer-owners.js';
import type { TableSource } from '../../../../electron/base/net/proc-table-reader.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const line = (sl: number, local: string, remote: string, st: string, uid: number, inode: number): string =>
  `${String(sl).padStart(4)}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 20 4 30 10 -1`.padEnd(149);

// Listener 127.0.0.1:8080 (1F90). Peers 127.0.0.1:40000 (9C40, uid 1000) and 127.0.0.2:40001 (9C41, uid 65534).
const TCP4 = [
  HEADER,
  line(0, '0100007F:1F90', '00000000:0000', '0A', 1000, 5000), // the listener
  line(1, '0100007F:9C40', '0100007F:1F90', '01', 1000, 5001), // client end: uid 1000
  line(2, '0100007F:1F90', '0100007F:9C40', '01', 1000, 5002), // our accepted end (local = listener)
  line(3, '0200007F:9C41', '0100007F:1F90', '01', 65534, 5003), // another user's client end
  line(4, '0100007F:9C42', '0100007F:1F90', '06', 0, 0), // TIME_WAIT: uid 0, no inode: proves nothing
  line(5, '0100007F:9C43', '0100007F:1F91', '01', 1234, 5004), // another listener's client
  '',
].join('\n');

// An IPv4-mapped client (::ffff:127.0.0.1:40004, uid 1001) and a real IPv6 one (::1), both to port 8080.
const TCP6 = [
  HEADER,
  line(0, '0000000000000000FFFF00000100007F:9C44', '0000000000000000FFFF00000100007F:1F90', '01', 1001, 6001),
  line(1, '00000000000000000000000001000000:9C45', '00000000000000000000000001000000:1F90', '01', 1002, 6002),
  '',
].join('\n');

const LISTENER = { address: '127.0.0.1', port: 8080 };

describe('reading the owners of loopback TCP peers (T35)', () => {
  it('T35: finds the uid of each client end connected to the listener, and nothing else', () => {
    const owners = new Map<string, number>();
    collectPeerOwners(TCP4, 4, LISTENER, 'LE', owners);
    expect(Object.fromEntries(owners)).toEqual({ '127.0.0.1:40000': 1000, '127.0.0.2:40001': 65534 });
  });

  it('T35: an IPv4-mapped IPv6 client counts as its IPv4 address; a pure IPv6 one cannot reach an IPv4 listener', () => {
    const owners = new Map<string, number>();
    collectPeerOwners(TCP6, 6, LISTENER, 'LE', owners);
    expect(Object.fromEntries(owners)).toEqual({ '127.0.0.1:40004': 1001 });
  });

  it('reads both tables, and a system without /proc/net/tcp6 still answers', async () => {
    const tables = (v4: string | null, v6: string | null): TableSource => ({ readLines: () => Promise.resolve([v4, v6]), close: () => undefined });
    expect((await new ProcNetTcpOwners(tables(TCP4, TCP6), 'LE').readPeerOwners(LISTENER)).size).toBe(3);
    expect((await new ProcNetTcpOwners(tables(TCP4, null), 'LE').readPeerOwners(LISTENER)).size).toBe(2);
    await expect(new ProcNetTcpOwners(tables(null, null), 'LE').readPeerOwners(LISTENER)).rejects.toThrow('/proc/net/tcp cannot be read');
  });

  it('encodes and decodes addresses in either byte order', () => {
    expect(encodeEndpoint(LISTENER, 4, 'LE')).toBe('0100007F:1F90');
    expect(encodeEndpoint(LISTENER, 4, 'BE')).toBe('7F000001:1F90');
    expect(encodeEndpoint(LISTENER, 6, 'LE')).toBe('0000000000000000FFFF00000100007F:1F90');
    expect(encodeEndpoint(LISTENER, 6, 'BE')).toBe('00000000000000000000FFFF7F000001:1F90');
    expect(encodeEndpoint({ address: '::1', port: 1 }, 4, 'LE')).toBeUndefined();
    for (const order of ['LE', 'BE'] as const) {
      for (const family of [4, 6] as const) {
        const endpoint = { address: '127.10.20.30', port: 65_535 };
        expect(decodeEndpoint(encodeEndpoint(endpoint, family, order) ?? '', family, order)).toEqual(endpoint);
      }
    }
    expect(decodeEndpoint('0100007F:1F9', 4, 'LE')).toBeUndefined();
    expect(decodeEndpoint('0100007G:1F90', 4, 'LE')).toBeUndefined();
  });

  it('big-endian tables are read in their own order', () => {
    const owners = new Map<string, number>();
    collectPeerOwners([HEADER, line(0, '7F000001:9C40', '7F000001:1F90', '01', 42, 7000), ''].join('\n'), 4, LISTENER, 'BE', owners);
    expect(Object.fromEntries(owners)).toEqual({ '127.0.0.1:40000': 42 });
  });

  it('there is no source off Linux', () => {
    expect(procPeerOwners('darwin')).toBeUndefined();
    expect(procPeerOwners('win32')).toBeUndefined();
  });

  it.skipIf(procPeerOwners() === undefined)('T35: a live connection of this process is attributed to this process’s uid (needs Linux /proc/net/tcp)', async () => {
    const server = createServer((socket: Socket) => socket.on('error', () => undefined));
    server.listen({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const client = connect({ host: '127.0.0.1', port });
    try {
      await once(client, 'connect');
      const source = new ProcNetTcpOwners();
      const owners = await source.readPeerOwners({ address: '127.0.0.1', port });
      source.close();
      expect(owners.get(`127.0.0.1:${client.localPort ?? 0}`)).toBe(process.getuid?.());
      expect(owners.size).toBe(1);
      await expect(source.readPeerOwners({ address: '127.0.0.1', port })).resolves.toHaveProperty('size', 1);
      source.close();
    } finally {
      client.destroy();
      server.close();
    }
  });
});
