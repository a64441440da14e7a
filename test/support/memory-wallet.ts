/**
 * The real wallet, composed in memory for tests that need a wallet but not the world: a memory
 * vault, an in-memory secret store, no network (every fetch fails), a settable clock, and every
 * call through the one validated call (as the CLI's in-process wallet and every transport do).
 * `client` is the window's view of the same wallet (a WalletClient, as over IPC or HTTP). Seed
 * state through the wallet itself, or `composed` (the vault, the broker) for what only an agent or
 * the world could cause.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Opener } from '../../electron/base/ports.js';
import { composeWallet, type ComposedWallet } from '../../electron/wallet/wallet.js';
import type { BridgeStatus, OwnerMethodName, OwnerParams, OwnerResult, WalletClient } from '../../shared/api.js';
import { callConnect, callOwnerMethod, validatedWallet } from '../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../electron/wallet/wallet-api.js';
import { MemorySecretStore } from '../fakes/memory-secret-store.js';

export interface MemoryWallet {
  /** The validated wallet; its close() is a no-op so a CLI run can "close" it and the test goes on. */
  readonly wallet: Wallet;
  readonly composed: ComposedWallet;
  /** The window's view: every call through the one validated call, live events from the wallet. */
  readonly client: WalletClient;
  /** What the wallet's clock says; tests may move it. */
  now: number;
  close(): Promise<void>;
}

const offline = (): Promise<Response> => Promise.reject(new TypeError('this test wallet has no network'));

export interface MemoryWalletOptions {
  now?: number;
  opener?: Opener;
  /** The agent bridge this wallet's `status` reports, as a daemon's does. */
  bridgeStatus?: () => BridgeStatus;
}

export async function openMemoryWallet(options: MemoryWalletOptions = {}): Promise<MemoryWallet> {
  const home = await mkdtemp(join(tmpdir(), 'latchkey-memory-wallet-'));
  const state = { now: options.now ?? Date.now() };
  const composed = await composeWallet(
    { home, allowInsecureLoopback: false, vault: { mode: 'memory' } },
    { secretStore: new MemorySecretStore(), env: {}, fetch: offline, clock: { now: () => state.now }, ...(options.opener === undefined ? {} : { opener: options.opener }) },
    options.bridgeStatus === undefined ? {} : { bridgeStatus: options.bridgeStatus },
  );
  const validated = validatedWallet(composed.wallet);
  const call = <M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> =>
    callOwnerMethod(composed.wallet, method, params) as Promise<OwnerResult<M>>;
  return {
    wallet: { ...validated, close: async () => {} },
    composed,
    client: {
      call,
      connect: (params, onProgress) => callConnect(composed.wallet, params, { onProgress }),
      subscribe: (listener) => composed.wallet.subscribe(listener),
    },
    get now() {
      return state.now;
    },
    set now(value: number) {
      state.now = value;
    },
    close: async () => {
      await composed.wallet.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
