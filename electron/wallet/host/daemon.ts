/**
 * The long-lived host of the wallet: one process that owns the vault and serves the bridge
 * (agents), the owner socket (the CLI) and, when asked, the window over HTTP (http-host.ts).
 * It says what needs the owner.
 */
import type { Approval } from '../../../shared/agents.js';
import type { BridgeStatus } from '../../../shared/api.js';
import type { Logger } from '../../base/ports.js';
import { DEFAULT_ENROLMENT_TIMEOUT_MS } from '../approvals/enrolment-desk.js';
import { silentLogger } from '../../base/log/logger.js';
import { createPeerIdentifier } from '../bridge/linux-peer.js';
import { startBridgeServer, type BridgeServer } from '../bridge/server.js';
import { composeWallet, type ComposedWallet, type WalletPorts } from '../wallet.js';
import type { Wallet, WalletConfig } from '../wallet-api.js';
import { startHttpHost, type HttpHost } from './http-host.js';
import { startOwnerServer, type OwnerServer } from './owner-server.js';

export interface DaemonOptions {
  runtimeDir: string;
  approvalTimeoutMs?: number;
  /** Called for each new approval: the tray notification in Electron, a log line headless. */
  onApproval?: (approval: Approval) => void;
  /** Bridge over TCP too (default true). */
  tcp?: boolean;
  /** Serve the window on 127.0.0.1 (headless host); off unless given. */
  ui?: { staticDir?: string; port?: number };
}

export interface Daemon {
  readonly wallet: Wallet;
  readonly composed: ComposedWallet;
  readonly bridge: BridgeServer;
  readonly owner: OwnerServer;
  /** The headless host, when `ui` was asked for. */
  readonly ui?: HttpHost;
  close(): Promise<void>;
}

export async function startDaemon(config: WalletConfig, ports: Partial<WalletPorts>, options: DaemonOptions): Promise<Daemon> {
  let bridge: BridgeServer | undefined;
  const bridgeStatus = (): BridgeStatus => ({
    listening: bridge?.listening ?? false,
    ...(bridge?.socketPath === undefined ? {} : { socket: bridge.socketPath }),
    ...(bridge?.url === undefined ? {} : { url: bridge.url }),
  });
  const composed = await composeWallet(config, ports, {
    bridgeStatus,
    deferRunnerWatch: true,
    ...(options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs }),
  });
  const logger: Logger | undefined = ports.logger;
  let owner: OwnerServer | undefined;
  let ui: HttpHost | undefined;
  try {
    bridge = await startBridgeServer({
      handler: composed.bridge,
      peers: createPeerIdentifier(process.platform, logger === undefined ? {} : { logger }),
      runtimeDir: options.runtimeDir,
      approvalTimeoutMs: options.approvalTimeoutMs ?? DEFAULT_ENROLMENT_TIMEOUT_MS,
      ...(options.tcp === undefined ? {} : { tcp: options.tcp }),
      ...(logger === undefined ? {} : { logger }),
      ...(ports.clock === undefined ? {} : { clock: ports.clock }),
    });
    owner = await startOwnerServer({
      wallet: composed.wallet,
      runtimeDir: options.runtimeDir,
      logger: logger ?? silentLogger,
      signInLink: () => ui?.oneTimeUrl(),
    });
    if (options.ui !== undefined) {
      ui = await startHttpHost({
        wallet: composed.wallet,
        logger: logger ?? silentLogger,
        ...(options.ui.staticDir === undefined ? {} : { staticDir: options.ui.staticDir }),
        ...(options.ui.port === undefined ? {} : { port: options.ui.port }),
        ...(ports.clock === undefined ? {} : { clock: ports.clock }),
      });
    }
  } catch (error) {
    await owner?.close();
    await bridge?.close();
    await composed.wallet.close();
    throw error;
  }
  const unsubscribe = options.onApproval === undefined ? undefined : composed.approvals.on('raised', options.onApproval);
  // What can wait starts once the bridge, the owner socket and the window listen.
  composed.startRunnerWatch();
  const started = { bridge, owner, ui };
  let closing: Promise<void> | undefined;
  return {
    wallet: composed.wallet,
    composed,
    bridge: started.bridge,
    owner: started.owner,
    ...(started.ui === undefined ? {} : { ui: started.ui }),
    close: () =>
      (closing ??= (async () => {
        unsubscribe?.();
        await started.ui?.close();
        await started.owner.close();
        await started.bridge.close();
        await composed.wallet.close();
      })()),
  };
}

