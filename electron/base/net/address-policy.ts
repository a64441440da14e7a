/**
 * Which IP addresses the wallet may connect to (threat T05). Anything that is not ordinary
 * global unicast is refused: loopback, private, link-local (cloud metadata), CGNAT, multicast,
 * broadcast, documentation and other special-use ranges (RFC 6890 and its IANA registries).
 * IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address they carry.
 */
import { BlockList, isIP } from 'node:net';

interface Range {
  network: string;
  prefix: number;
  reason: string;
}

const LOOPBACK_V4: Range = { network: '127.0.0.0', prefix: 8, reason: 'loopback' };
const LOOPBACK_V6: Range = { network: '::1', prefix: 128, reason: 'loopback' };

const SPECIAL_V4: Range[] = [
  { network: '0.0.0.0', prefix: 8, reason: '"this network" (0.0.0.0/8)' },
  { network: '10.0.0.0', prefix: 8, reason: 'private network (10/8)' },
  { network: '100.64.0.0', prefix: 10, reason: 'carrier-grade NAT (100.64/10)' },
  { network: '169.254.0.0', prefix: 16, reason: 'link-local / cloud metadata (169.254/16)' },
  { network: '172.16.0.0', prefix: 12, reason: 'private network (172.16/12)' },
  { network: '192.0.0.0', prefix: 24, reason: 'IETF protocol assignments (192.0.0/24)' },
  { network: '192.0.2.0', prefix: 24, reason: 'documentation (192.0.2/24)' },
  { network: '192.88.99.0', prefix: 24, reason: '6to4 relay anycast (192.88.99/24)' },
  { network: '192.168.0.0', prefix: 16, reason: 'private network (192.168/16)' },
  { network: '198.18.0.0', prefix: 15, reason: 'benchmarking (198.18/15)' },
  { network: '198.51.100.0', prefix: 24, reason: 'documentation (198.51.100/24)' },
  { network: '203.0.113.0', prefix: 24, reason: 'documentation (203.0.113/24)' },
  { network: '224.0.0.0', prefix: 4, reason: 'multicast (224/4)' },
  { network: '240.0.0.0', prefix: 4, reason: 'reserved or broadcast (240/4)' },
];

const SPECIAL_V6: Range[] = [
  { network: '::', prefix: 128, reason: 'unspecified (::)' },
  { network: '::', prefix: 96, reason: 'IPv4-compatible (deprecated, ::/96)' },
  { network: '100::', prefix: 64, reason: 'discard-only (100::/64)' },
  { network: '2001::', prefix: 23, reason: 'IETF protocol assignments (2001::/23)' },
  { network: '2001:db8::', prefix: 32, reason: 'documentation (2001:db8::/32)' },
  { network: '2002::', prefix: 16, reason: '6to4 (2002::/16)' },
  { network: 'fc00::', prefix: 7, reason: 'unique local (fc00::/7)' },
  { network: 'fe80::', prefix: 10, reason: 'link-local (fe80::/10)' },
  { network: 'fec0::', prefix: 10, reason: 'site-local (deprecated, fec0::/10)' },
  { network: 'ff00::', prefix: 8, reason: 'multicast (ff00::/8)' },
];

export interface AddressPolicyOptions {
  /** Permit 127/8 and ::1 (only with the user's explicit insecure-loopback setting). */
  allowLoopback: boolean;
}

export interface AddressVerdict {
  allowed: boolean;
  /** Why the address is refused, e.g. "private network (10/8)". */
  reason?: string;
}

/** A pure judge of single IP addresses. */
export interface AddressPolicy {
  judge(address: string): AddressVerdict;
}

export function createAddressPolicy(options: AddressPolicyOptions): AddressPolicy {
  const v4 = [...SPECIAL_V4, ...(options.allowLoopback ? [] : [LOOPBACK_V4])];
  const v6 = [...SPECIAL_V6, ...(options.allowLoopback ? [] : [LOOPBACK_V6])];
  const lists = v4.map((r) => ({ range: r, list: blockListOf(r, 'ipv4') }));
  const lists6 = v6.map((r) => ({ range: r, list: blockListOf(r, 'ipv6') }));

  const judgeV4 = (address: string): AddressVerdict => {
    const hit = lists.find(({ list }) => list.check(address, 'ipv4'));
    return hit === undefined ? { allowed: true } : { allowed: false, reason: hit.range.reason };
  };

  return {
    judge(raw: string): AddressVerdict {
      const address = stripBrackets(raw).split('%')[0] ?? '';
      const family = isIP(address);
      if (family === 4) return judgeV4(address);
      if (family !== 6) return { allowed: false, reason: 'not an IP address' };
      const embedded = embeddedIpv4(address);
      if (embedded !== undefined) return judgeV4(embedded);
      if (options.allowLoopback && isIpv6Loopback(address)) return { allowed: true };
      const hit = lists6.find(({ list }) => list.check(address, 'ipv6'));
      return hit === undefined ? { allowed: true } : { allowed: false, reason: hit.range.reason };
    },
  };
}

function blockListOf(range: Range, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, type);
  return list;
}

function stripBrackets(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/**
 * The IPv4 address carried by an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6
 * address, so that ::ffff:127.0.0.1 is judged as 127.0.0.1. Undefined for other addresses.
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const hi = groups[6] ?? 0;
  const lo = groups[7] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

function isIpv6Loopback(address: string): boolean {
  const groups = expandIpv6(address);
  return groups !== undefined && groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/** Eight 16-bit groups of a valid IPv6 address (zone id dropped), or undefined. */
function expandIpv6(input: string): number[] | undefined {
  const address = input.split('%')[0] ?? '';
  if (isIP(address) !== 6) return undefined;
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const bytes = dotted[1].split('.').map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left.length === 8 ? left : undefined;
  const right = parse(tail);
  const zeros = 8 - left.length - right.length;
  return zeros < 0 ? undefined : [...left, ...new Array<number>(zeros).fill(0), ...right];
}
