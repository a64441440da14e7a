/**
 * `latchkey daemon`: the long-lived wallet. It owns the vault, serves the agent bridge (Unix
 * socket + 127.0.0.1), the owner socket the other commands use and (unless --no-ui) the window on
 * 127.0.0.1 behind a one-time sign-in link (its token in the fragment), and prints what needs you.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Approval } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { defaultRuntimeDir } from '../../base/runtime/discovery.js';
import { rendererDir } from '../../wallet/host/package-root.js';
import { findDaemonFor } from '../find-daemon.js';
import { resolveFirstRunVault } from '../first-run-vault.js';
import { writeLine } from '../io.js';
import { defineHostCommand, getFlag, getString, type HostContext, type OptionSpec, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 120;

export interface DaemonArgs {
  approvalTimeoutMs: number;
  /** Serve the window (default true). */
  ui: boolean;
  uiPort?: number;
}

/** Options `latchkey daemon` and `latchkey start` share. */
export const DAEMON_OPTIONS: Record<string, OptionSpec> = {
  'approval-timeout': {
    type: 'string',
    valueName: 'SECONDS',
    description: `How long an agent's request waits for your decision before it is denied (default ${DEFAULT_APPROVAL_TIMEOUT_SECONDS}).`,
  },
  ui: { type: 'boolean', description: 'Serve the Latchkey window on 127.0.0.1 and print its one-time sign-in link (the default).' },
  'no-ui': { type: 'boolean', description: 'Do not serve the window: agents and the CLI only.' },
  'ui-port': { type: 'string', valueName: 'PORT', description: 'Serve the window on this 127.0.0.1 port (default: any free port).' },
};

export function parseDaemonArgs(raw: RawArgs): DaemonArgs {
  if (getFlag(raw.values, 'ui') && getFlag(raw.values, 'no-ui')) throw new UsageError('Give --ui or --no-ui, not both.');
  const args: DaemonArgs = { approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_SECONDS * 1000, ui: !getFlag(raw.values, 'no-ui') };
  const timeout = raw.values['approval-timeout'];
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (typeof timeout !== 'string' || !Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw new UsageError('--approval-timeout takes whole seconds from 1 to 3600.');
    }
    args.approvalTimeoutMs = seconds * 1000;
  }
  const port = getString(raw.values, 'ui-port');
  if (port !== undefined) {
    const value = Number(port);
    if (!/^\d{1,5}$/.test(port) || value < 1 || value > 65535) throw new UsageError('--ui-port takes a port number from 1 to 65535.');
    if (!args.ui) throw new UsageError('--ui-port has no effect with --no-ui.');
    args.uiPort = value;
  }
  return args;
}

export const daemonCommand = defineHostCommand(
  {
    path: ['daemon'],
    hostsWallet: true,
    usage: 'latchkey daemon [--approval-timeout SECONDS] [--no-ui | --ui-port PORT]',
    summary: 'Run the wallet for your agents: the token bridge, approvals, the owner socket and the window.',
    description:
      'Keeps the vault open and serves the agent bridge on a private Unix socket and on 127.0.0.1, ' +
      'so `latchkey run`, `latchkey token` and `latchkey mcp` work for agents. While it runs, the other ' +
      'latchkey commands talk to it. It also serves the Latchkey window on 127.0.0.1 and prints a one-time ' +
      'link that signs your browser in (over SSH, forward that port first). Requests that need you are ' +
      'printed here and shown in the window; decide them there or with `latchkey approve <id>` or ' +
      '`latchkey deny <id>`. Stop it with Ctrl-C.',
    examples: ['latchkey daemon', 'latchkey daemon --no-ui --approval-timeout 300 &', 'latchkey daemon --ui-port 7777'],
    options: DAEMON_OPTIONS,
    positionals: [],
  },
  (raw): DaemonArgs & { vaultFlag: boolean } => ({ ...parseDaemonArgs(raw), vaultFlag: getString(raw.values, 'vault') !== undefined }),
  // The first run without a usable keychain gets the fallback `latchkey start` has (never vault.keychain_unavailable).
  async ({ vaultFlag, ...args }, host) => runDaemon(args, { ...host, config: await resolveFirstRunVault(host.config, vaultFlag, host.io, host.context.env) }),
);

/** Prints an approval once daemon-announce.ts is loaded (on the first one); approvals keep their order. */
function announceLater(approval: Approval, write: (line: string) => void): void {
  import('../daemon-announce.js')
    .then(({ announce }) => announce(approval, write))
    .catch(() => write(`Approval needed [${approval.id}]: see latchkey approvals.`));
}

/** Runs the daemon until Ctrl-C or SIGTERM (also `latchkey start` without a desktop). */
export async function runDaemon(args: DaemonArgs, { config, io, context, logger, opener, signal }: HostContext): Promise<number> {
  const runtimeDir = defaultRuntimeDir({ ...context.env, LATCHKEY_HOME: config.home });
  // Also where a daemon started from another environment put it (/run/user/<uid>/latchkey): a clear answer, not vault.in_use.
  const running = await findDaemonFor(config.home, context.env).catch(() => undefined);
  if (running !== undefined) {
    throw new LatchkeyError(ErrorCode.VaultInUse, 'A Latchkey daemon is already running for this data directory.', {
      hint: 'Use it (every latchkey command talks to it), or stop it first.',
    });
  }
  const staticDir = rendererDir(import.meta.url);
  // Loaded here, not at the top: every other command (agent-mode `mcp` and `token` above all)
  // starts faster without the wallet's whole dependency tree.
  const { startDaemon } = await import('../../wallet/host/daemon.js');
  const daemon = await startDaemon(
    { ...config, vault: { ...config.vault, lockWaitMs: config.vault.lockWaitMs ?? 0 } },
    { opener, logger, env: context.env },
    {
      runtimeDir,
      approvalTimeoutMs: args.approvalTimeoutMs,
      onApproval: (approval) => announceLater(approval, (line) => writeLine(io.stderr, line)),
      ...(args.ui ? { ui: { ...(staticDir === undefined ? {} : { staticDir }), ...(args.uiPort === undefined ? {} : { port: args.uiPort }) } } : {}),
    },
  );
  // Listen for Ctrl-C and SIGTERM before saying we are ready: a caller may stop us right after.
  const stopped = new Promise<void>((resolve) => {
    const unsubscribe = context.signals.onSignal(() => done());
    const done = (): void => {
      unsubscribe();
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
  if (daemon.wallet.vaultStatus.warning !== undefined) writeLine(io.stderr, `warning: ${daemon.wallet.vaultStatus.warning}`);
  writeLine(io.stderr, `Latchkey daemon running (vault: ${daemon.wallet.vaultStatus.backend}).`);
  if (daemon.bridge.socketPath !== undefined) writeLine(io.stderr, `  agent bridge: ${daemon.bridge.socketPath}`);
  if (daemon.bridge.url !== undefined) writeLine(io.stderr, `  agent bridge: ${daemon.bridge.url}`);
  writeLine(io.stderr, `  owner socket: ${daemon.owner.socketPath}`);
  if (daemon.ui !== undefined) {
    if (staticDir === undefined || !existsSync(join(staticDir, 'index.html'))) {
      writeLine(io.stderr, '  (the window is not built yet: run `npm run build`; the link shows a page saying so)');
    }
    writeLine(io.stderr, `Open the Latchkey window: ${daemon.ui.oneTimeUrl()}`);
    writeLine(io.stderr, '  (the link works once, in one tab, which a reload keeps signed in until the daemon stops; `latchkey ui` prints a new one)');
  }
  writeLine(io.stderr, 'Press Ctrl-C to stop.');
  await stopped;
  writeLine(io.stderr, 'Stopping …');
  await daemon.close();
  writeLine(io.stderr, 'Stopped.');
  return 0;
}
