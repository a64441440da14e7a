export {
  createSafeFetch,
  describeUrl,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type SafeFetch,
  type SafeFetchOptions,
} from './safe-fetch.js';
export { assertTlsVerification } from './tls.js';
export { systemLookup, type Lookup, type ResolvedAddress } from './address-guard.js';
export { createAddressPolicy, type AddressPolicy, type AddressVerdict } from './address-policy.js';
