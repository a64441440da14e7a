import { describe, expect, it } from 'vitest';
import { createAddressPolicy, embeddedIpv4 } from '../../../../electron/base/net/address-policy.js';
import { createAddressGuard, type Lookup } from '../../../../electron/base/net/address-guard.js';
import { isLatchkeyError, ErrorCode } from '../../../../shared/errors.js';

const strict = createAddressPolicy({ allowLoopback: false });
const dev = createAddressPolicy({ allowLoopback: true });

const BLOCKED = [
  '127.0.0.1',
  '127.255.255.254',
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '100.127.255.255',
  '192.0.2.1',
  '198.51.100.7',
  '203.0.113.9',
  '198.18.0.1',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '240.0.0.1',
  '::1',
  '::',
  '[::1]',
  'fe80::1',
  'fe80::1%eth0',
  'fc00::1',
  'fd12:3456::1',
  'ff02::1',
  '2001:db8::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:a00:1',
  '::ffff:169.254.169.254',
  '64:ff9b::a9fe:a9fe',
  '::127.0.0.1',
  'fec0::1',
  'not-an-ip',
];

const PUBLIC = ['93.184.216.34', '1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8'];

describe('address policy', () => {
  it.each(BLOCKED)('O10: refuses %s', (address) => {
    const verdict = strict.judge(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toBeTruthy();
  });

  it.each(PUBLIC)('allows the global unicast address %s', (address) => {
    expect(strict.judge(address)).toEqual({ allowed: true });
  });

  it('allows loopback only when insecure loopback is on, and nothing else private', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) expect(dev.judge(a).allowed).toBe(true);
    for (const a of ['10.0.0.1', '169.254.169.254', '::', '0.0.0.0', 'fe80::1']) expect(dev.judge(a).allowed).toBe(false);
  });

  it('extracts IPv4 from mapped and NAT64 forms only', () => {
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2606:4700::1')).toBeUndefined();
    expect(embeddedIpv4('garbage')).toBeUndefined();
  });
});

describe('address guard', () => {
  const lookupOf =
    (answers: Record<string, string[]>): Lookup =>
    (host) =>
      Promise.resolve((answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it('O10: refuses a name when any one of its addresses is special-use', async () => {
    const guard = createAddressGuard({ lookup: lookupOf({ 'mixed.test': ['93.184.216.34', '10.0.0.1'] }), policy: strict, allowedHosts: new Set() });
    await expect(guard('mixed.test')).rejects.toSatisfy((e) => isLatchkeyError(e, ErrorCode.BlockedAddress));
  });

  it('judges IP literals without asking the resolver', async () => {
    let calls = 0;
    const guard = createAddressGuard({ lookup: () => {
        calls += 1;
        return Promise.resolve([]);
      }, policy: strict, allowedHosts: new Set() });
    await expect(guard('[::1]')).rejects.toSatisfy((e) => isLatchkeyError(e, ErrorCode.BlockedAddress));
    expect(calls).toBe(0);
  });

  it('lets a user-allowed host resolve to a private address, and only that host', async () => {
    const lookup = lookupOf({ 'nas.home.test': ['192.168.1.20'], 'other.test': ['192.168.1.20'] });
    const guard = createAddressGuard({ lookup, policy: strict, allowedHosts: new Set(['nas.home.test']) });
    await expect(guard('NAS.home.test')).resolves.toEqual([{ address: '192.168.1.20', family: 4 }]);
    await expect(guard('other.test')).rejects.toSatisfy((e) => isLatchkeyError(e, ErrorCode.BlockedAddress));
  });

  it('reports an unresolvable name as Unreachable', async () => {
    const guard = createAddressGuard({
      lookup: () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })),
      policy: strict,
      allowedHosts: new Set(),
    });
    await expect(guard('nowhere.test')).rejects.toSatisfy((e) => isLatchkeyError(e, ErrorCode.Unreachable) && e.message.includes('ENOTFOUND'));
  });
});
