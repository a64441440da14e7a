/**
 * Resolve-then-check (threat T05, O10/O11): a host name is resolved exactly once per connection,
 * every address of the answer is judged, and the caller connects to the address that was
 * judged. There is no second resolution for a rebinding DNS server to answer differently.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { AddressPolicy } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. Injectable so tests can play a hostile DNS. */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo), all addresses, in the order the system returns them. */
export const systemLookup: Lookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface AddressGuardOptions {
  lookup: Lookup;
  policy: AddressPolicy;
  /** Host names the user configured as trusted: their addresses are not judged. */
  allowedHosts: ReadonlySet<string>;
}

/**
 * Returns the addresses to connect to for `hostname`, in the resolver's order, every one of them
 * judged; or throws BlockedAddress (when any is refused) or Unreachable.
 */
export type AddressGuard = (hostname: string) => Promise<ResolvedAddress[]>;

export function createAddressGuard(options: AddressGuardOptions): AddressGuard {
  return async (rawHostname) => {
    const hostname = normaliseHost(rawHostname);
    const trusted = options.allowedHosts.has(hostname);
    const literal = isIP(hostname);
    const answers: ResolvedAddress[] =
      literal === 0 ? await resolveHost(options.lookup, hostname) : [{ address: hostname, family: literal === 6 ? 6 : 4 }];
    if (answers.length === 0) {
      throw new LatchkeyError(ErrorCode.Unreachable, `The host ${hostname} has no addresses.`, {
        details: { host: hostname },
      });
    }
    if (!trusted) {
      for (const answer of answers) {
        const verdict = options.policy.judge(answer.address);
        if (!verdict.allowed) throw blocked(hostname, answer.address, verdict.reason ?? 'special-use');
      }
    }
    return answers;
  };
}

/** Lower-case host name without IPv6 brackets: the form allowedHosts entries are kept in. */
export function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

async function resolveHost(lookup: Lookup, hostname: string): Promise<ResolvedAddress[]> {
  try {
    return await lookup(hostname);
  } catch (cause) {
    if (cause instanceof LatchkeyError) throw cause;
    const code = (cause as { code?: unknown }).code;
    throw new LatchkeyError(ErrorCode.Unreachable, `Could not resolve the host ${hostname}${typeof code === 'string' ? ` (${code})` : ''}.`, {
      hint: 'Check the URL and your network connection.',
      details: { host: hostname },
      cause,
    });
  }
}

function blocked(hostname: string, address: string, reason: string): LatchkeyError {
  const via = hostname === address ? `${address} is` : `${hostname} resolves to ${address},`;
  return new LatchkeyError(ErrorCode.BlockedAddress, `${via} a ${reason} address; Latchkey does not send requests there.`, {
    hint: 'A server may be trying to reach your local network. If you trust this host, add it to the allowed hosts in the settings.',
    details: { host: hostname, address, reason },
  });
}
