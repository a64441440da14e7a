/**
 * Keeps the desktop app on a wallet host. When the host it uses goes away (one it started that
 * crashed, or a `latchkey daemon` that was stopped), the app finds or starts a host again
 * (`open`, which is attachOrStartHost then openHostWallet) instead of quitting, and the window,
 * the tray and the notices carry on against the new one: they hold this wallet, whose calls go to
 * the current host and whose subscribers are carried over; a call made while the host is being
 * found again waits for it instead of failing on the old one. A host that keeps going away (more than
 * `maxRestarts` times within `windowMs`) is given up on: `onGiveUp` says why.
 */
import type { CallOptions, OwnerMethodName, WalletEvent } from '../../shared/api.js';
import { ownerApiOf } from '../../shared/api.js';
import type { Clock, Logger } from '../base/ports.js';
import type { Wallet } from '../wallet/wallet-api.js';

/** One host and its wallet, as `open` returns them. */
export interface OpenedHost {
  wallet: Wallet;
  startedHere: boolean;
  pid?: number;
  /** Ends the event stream to the host. */
  close(): void;
  /** Stops the host if this app started it. */
  stop(): Promise<void>;
}

export interface HostKeeperOptions {
  /** Finds or starts a host and opens its wallet; `onGone` is called when that host goes away. */
  open(onGone: () => void): Promise<OpenedHost>;
  logger: Logger;
  clock: Clock;
  /** After a host came back (the tray refreshes its pending approvals). */
  onReopened(host: OpenedHost): void;
  /** When no host can be kept: the error that stopped it. */
  onGiveUp(error: unknown): void;
  maxRestarts?: number;
  windowMs?: number;
}

export interface KeptHost {
  /** The wallet of whichever host is current. */
  wallet: Wallet;
  current(): OpenedHost;
  /** Stops following the host: closes the event stream and stops a host this app started. */
  stop(): Promise<void>;
}

const DEFAULT_MAX_RESTARTS = 3;
const DEFAULT_WINDOW_MS = 60_000;

type MethodCall = (params: unknown, options?: CallOptions) => Promise<unknown>;

/** Opens the first host (its failure is the caller's) and keeps the app on one from then on. */
export async function keepHost(options: HostKeeperOptions): Promise<KeptHost> {
  const listeners = new Set<(event: WalletEvent) => void>();
  const forward = (event: WalletEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const restarts: number[] = [];
  let stopped = false;
  let host: OpenedHost;
  let unforward: () => void = () => undefined;
  /** The last reopening: settled once `host` is the new one (or that failed); resolved from the start. */
  let reopening: Promise<void> = Promise.resolve();

  const onGone = (): void => {
    if (stopped) return;
    const now = options.clock.now();
    while (restarts.length > 0 && now - (restarts[0] ?? 0) > (options.windowMs ?? DEFAULT_WINDOW_MS)) restarts.shift();
    restarts.push(now);
    if (restarts.length > (options.maxRestarts ?? DEFAULT_MAX_RESTARTS)) {
      options.onGiveUp(new Error('the wallet host keeps stopping'));
      return;
    }
    options.logger.warn('the wallet host stopped; finding or starting one again', { startedHere: host.startedHere });
    unforward();
    host.close();
    // Never rejects: a failure is the keeper's to report (onGiveUp).
    reopening = open().then(
      () => {
        if (!stopped) options.onReopened(host);
      },
      (error: unknown) => {
        if (!stopped) options.onGiveUp(error);
      },
    );
  };

  /** The host to call: the new one once a reopening has settled (a failed one leaves the closed old host, whose calls fail). */
  const current = async (): Promise<OpenedHost> => {
    await reopening;
    return host;
  };

  const open = async (): Promise<void> => {
    const opened = await options.open(onGone);
    if (stopped) {
      opened.close();
      await opened.stop();
      return;
    }
    host = opened;
    unforward = opened.wallet.subscribe(forward);
  };

  await open();
  const owner = ownerApiOf(async (method: OwnerMethodName, params, callOptions) => ((await current()).wallet[method] as MethodCall)(params, callOptions));
  const wallet: Wallet = {
    ...owner,
    get vaultStatus() {
      return host.wallet.vaultStatus;
    },
    connect: async (params, control) => (await current()).wallet.connect(params, control),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: async () => host.close(),
  };
  return {
    wallet,
    current: () => host,
    stop: async () => {
      stopped = true;
      unforward();
      host.close();
      await host.stop();
    },
  };
}
