/**
 * The wallet as the CLI, the hosts and the tests see it: the contract's type (shared/api.ts),
 * implemented by `composeWallet` in wallet.ts, the composition root.
 */
import type { WalletApi } from '../../shared/api.js';

export type Wallet = WalletApi;

/** Everything the composition root needs, resolved by the CLI from flags and environment. */
export interface WalletConfig {
  /** The data directory (LATCHKEY_HOME, default ~/.latchkey). */
  home: string;
  /** http:// for loopback issuers and resources (tests, local development). Off by default. */
  allowInsecureLoopback: boolean;
  vault: { mode: 'keychain' | 'passphrase' | 'memory'; passphrase?: string; lockWaitMs?: number };
  /** Hosts the user trusts even though they resolve to private addresses (SSRF allowlist). */
  allowedHosts?: string[];
  /** A Client ID Metadata Document URL the user hosts (CIMD, R2). Without it CIMD is skipped. */
  clientMetadataUrl?: string;
}
