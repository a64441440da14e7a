/**
 * The real wallet, composed in memory for tests that need a wallet but not the world: a memory
 * vault, an in-memory secret store, no network (every fetch fails), a settable clock, and every
 * call through the one validated call (as the CLI's in-process wallet and every transport do).
 * `client` is the window's view of the same wallet (a WalletClient, as over IPC or HTTP). Seed
 * state through the wallet itself, or `composed` (the vault, the broker) for what only an agent or
 * the world could cause: `connect(resource)` stores a connection as `latchkey connect` would
 * (test/support/seed-connection.ts), and `ask`/`askToOpen` make a real bridge request as an
 * enrolled agent, which raises a real pending approval.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Fetch, Opener } from '../../electron/base/ports.js';
import type { Approval } from '../../shared/agents.js';
import type { ElicitationRequest, ElicitationResponse, TokenRequest, TokenResponse } from '../../shared/bridge.js';
import { composeWallet, type ComposedWallet, type ComposeOptions } from '../../electron/wallet/wallet.js';
import type { BridgeStatus, OwnerMethodName, OwnerParams, OwnerResult, WalletClient } from '../../shared/api.js';
import { callConnect, callOwnerMethod, validatedWallet } from '../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../electron/wallet/wallet-api.js';
import { MemorySecretStore } from '../fakes/memory-secret-store.js';
import { seedConnection } from './seed-connection.js';

/** A request an agent made over the bridge, waiting on the approval it raised. */
export interface AgentAsk<T> {
  approval: Approval;
  /** The agent's answer once the owner decides (rejects on a refusal; never unhandled). */
  answer: Promise<T>;
}

export interface MemoryWallet {
  /** The validated wallet; its close() is a no-op so a CLI run can "close" it and the test goes on. */
  readonly wallet: Wallet;
  readonly composed: ComposedWallet;
  /** The wallet's data directory (its audit log's files with a passphrase vault). */
  readonly home: string;
  /** The window's view: every call through the one validated call, live events from the wallet. */
  readonly client: WalletClient;
  /** URLs the wallet opened (when no `opener` was given: the default opener only records them). */
  readonly opened: string[];
  /** What the wallet's clock says; tests may move it. */
  now: number;
  /** Stores a connection to `resource` (issued by test/fakes/fake-token-endpoint.ts's AS). */
  connect(resource: string): Promise<void>;
  /** Enrols an agent whose secret the helpers below keep, to ask as it. */
  enrol(agent: string, kind?: 'interactive' | 'autonomous'): Promise<void>;
  /** `agent` (enrolled now if it is not) asks the bridge for a token its grant allows: the answer. */
  token(agent: string, request: TokenRequest): Promise<TokenResponse>;
  /** `agent` (enrolled now if it is not) asks the bridge for a token; resolves once its approval is pending. */
  ask(agent: string, request: TokenRequest): Promise<AgentAsk<TokenResponse>>;
  /** `agent` asks the bridge to have the owner open a page; resolves once its approval is pending. */
  askToOpen(agent: string, request: ElicitationRequest): Promise<AgentAsk<ElicitationResponse>>;
  close(): Promise<void>;
}

const offline = (): Promise<Response> => Promise.reject(new TypeError('this test wallet has no network'));

export interface MemoryWalletOptions {
  now?: number;
  opener?: Opener;
  /** The wallet's network (default: none, every fetch fails). */
  fetch?: Fetch;
  allowInsecureLoopback?: boolean;
  /** The agent bridge this wallet's `status` reports, as a daemon's does. */
  bridgeStatus?: () => BridgeStatus;
  /** The rest of the composition's options (approval timeouts, audit segments and summaries). */
  compose?: Omit<ComposeOptions, 'bridgeStatus'>;
  /**
   * A passphrase vault in the wallet's home instead of the memory vault, so the audit log is a
   * file there (`home`), for tests that read or damage it.
   */
  passphrase?: string;
}

export async function openMemoryWallet(options: MemoryWalletOptions = {}): Promise<MemoryWallet> {
  const home = await mkdtemp(join(tmpdir(), 'latchkey-memory-wallet-'));
  const state = { now: options.now ?? Date.now() };
  const opened: string[] = [];
  const opener: Opener = options.opener ?? { open: async (url) => void opened.push(url.href) };
  const composed = await composeWallet(
    { home, allowInsecureLoopback: options.allowInsecureLoopback ?? false, vault: options.passphrase === undefined ? { mode: 'memory' } : { mode: 'passphrase', passphrase: options.passphrase } },
    { secretStore: new MemorySecretStore(), env: {}, fetch: options.fetch ?? offline, clock: { now: () => state.now }, opener },
    { ...options.compose, ...(options.bridgeStatus === undefined ? {} : { bridgeStatus: options.bridgeStatus }) },
  );
  const validated = validatedWallet(composed.wallet);
  const call = <M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> =>
    callOwnerMethod(composed.wallet, method, params) as Promise<OwnerResult<M>>;
  const secrets = new Map<string, string>();
  const asking = new AbortController();
  const enrol = async (agent: string, kind?: 'interactive' | 'autonomous'): Promise<string> => {
    const { secret } = await composed.wallet.enrolAgent({ name: agent, ...(kind === undefined ? {} : { kind }) });
    secrets.set(agent, secret);
    return secret;
  };
  const callerFor = async (agent: string) => {
    const secret = secrets.get(agent) ?? (await enrol(agent));
    const caller = composed.broker.authenticate(secret);
    if (caller === undefined) throw new Error(`memory wallet: agent ${agent} no longer authenticates`);
    return caller;
  };
  /** Starts `request` and resolves once the approval it raised is pending. */
  const raise = async <T>(request: () => Promise<T>): Promise<AgentAsk<T>> => {
    let unsubscribe: () => void = () => undefined;
    const raised = new Promise<Approval>((resolve) => (unsubscribe = composed.approvals.on('raised', resolve)));
    const answer = request();
    answer.catch(() => undefined);
    const approval = await Promise.race([raised, answer.then(() => Promise.reject(new Error('memory wallet: the request was answered without asking the owner')))]).finally(unsubscribe);
    return { approval, answer };
  };
  return {
    wallet: { ...validated, close: async () => {} },
    composed,
    home,
    client: {
      call,
      connect: (params, onProgress) => callConnect(composed.wallet, params, { onProgress }),
      subscribe: (listener) => composed.wallet.subscribe(listener),
    },
    opened,
    connect: (resource) => seedConnection(composed.vault, resource),
    enrol: async (agent, kind) => void (await enrol(agent, kind)),
    token: async (agent, request) => composed.broker.token(await callerFor(agent), request, asking.signal),
    ask: async (agent, request) => {
      const caller = await callerFor(agent);
      return raise(() => composed.broker.token(caller, request, asking.signal));
    },
    askToOpen: async (agent, request) => {
      const caller = await callerFor(agent);
      return raise(() => composed.broker.elicit(caller, request, asking.signal));
    },
    get now() {
      return state.now;
    },
    set now(value: number) {
      state.now = value;
    },
    close: async () => {
      asking.abort();
      await composed.wallet.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Opens memory wallets for a file's tests; each is closed after the test that opened it. */
export function useMemoryWallets(): (options?: MemoryWalletOptions) => Promise<MemoryWallet> {
  const opened: MemoryWallet[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((memory) => memory.close()));
  });
  return async (options) => {
    const memory = await openMemoryWallet(options);
    opened.push(memory);
    return memory;
  };
}

/**
 * The window's transport to a wallet, observed: every call is recorded, and a test may hold a
 * method's calls in flight or make the transport fail one (as a dropped connection would). What
 * the calls do is the real wallet's.
 */
export interface ClientProbe extends WalletClient {
  /** The params of every call to `method` (or connect), in order. */
  callsTo<M extends OwnerMethodName>(method: M): Array<OwnerParams<M>>;
  readonly subscribers: number;
  /** The transport fails the next call to `method` with `error`, before it reaches the wallet. */
  failNext(method: OwnerMethodName, error: unknown): void;
  /** Calls to `method` wait in the transport until the returned release is called. */
  hold(method: OwnerMethodName): () => void;
}

export function probeClient(client: WalletClient): ClientProbe {
  const calls: Array<{ method: string; params: unknown }> = [];
  const failures = new Map<OwnerMethodName, unknown>();
  const holds = new Map<OwnerMethodName, Promise<void>>();
  let subscribers = 0;
  return {
    callsTo: <M extends OwnerMethodName>(method: M) => calls.filter((c) => c.method === method).map((c) => c.params as OwnerParams<M>),
    get subscribers() {
      return subscribers;
    },
    failNext: (method, error) => void failures.set(method, error),
    hold: (method) => {
      let release: () => void = () => undefined;
      holds.set(method, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        holds.delete(method);
        release();
      };
    },
    async call<M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> {
      calls.push({ method, params });
      await holds.get(method);
      if (failures.has(method)) {
        const error = failures.get(method);
        failures.delete(method);
        throw error;
      }
      return client.call(method, params);
    },
    connect: (params, onProgress) => {
      calls.push({ method: 'connect', params });
      return client.connect(params, onProgress);
    },
    subscribe: (listener) => {
      subscribers += 1;
      const unsubscribe = client.subscribe(listener);
      return () => {
        subscribers -= 1;
        unsubscribe();
      };
    },
  };
}
