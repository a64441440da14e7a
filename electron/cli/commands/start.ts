/**
 * `latchkey start` (what `npm start` runs): the desktop app when Electron can start here, else the
 * headless host (`latchkey daemon` with the window), saying which and why.
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { launchDesktop, probeDesktop } from '../../wallet/host/desktop.js';
import { findPackageRoot } from '../../wallet/host/package-root.js';
import { resolveFirstRunVault } from '../first-run-vault.js';
import { writeLine } from '../io.js';
import { defineHostCommand, getFlag, getString } from '../spec.js';
import { DAEMON_OPTIONS, parseDaemonArgs, runDaemon, type DaemonArgs } from './daemon.js';

interface StartArgs {
  headless: boolean;
  /** --vault was given. */
  vaultFlag: boolean;
  daemon: DaemonArgs;
}

export const startCommand = defineHostCommand(
  {
    path: ['start'],
    hostsWallet: true,
    usage: 'latchkey start [--headless] [--approval-timeout SECONDS] [--ui-port PORT]',
    summary: 'Start Latchkey: the desktop app, or the wallet with its window in your browser where no desktop app can run.',
    description:
      'Starts the desktop app when Electron can run here (its binary is installed, it answers, there is a ' +
      'display, and the app is built). Otherwise it says why and runs `latchkey daemon` instead, which serves ' +
      'the same window on 127.0.0.1 and prints a one-time link to open it in your browser.',
    examples: ['latchkey start', 'latchkey start --headless --ui-port 7777'],
    options: {
      headless: { type: 'boolean', description: 'Skip the desktop app: run the headless host even if Electron could start.' },
      ...DAEMON_OPTIONS,
    },
    positionals: [],
  },
  (raw): StartArgs => ({
    headless: getFlag(raw.values, 'headless'),
    vaultFlag: getString(raw.values, 'vault') !== undefined,
    daemon: { ...parseDaemonArgs(raw), ui: true },
  }),
  async (args, host) => {
    const { io, context, signal } = host;
    const config = await resolveFirstRunVault(host.config, args.vaultFlag, io, context.env);
    const packageRoot = findPackageRoot(import.meta.url) ?? dirname(fileURLToPath(import.meta.url));
    const probe = args.headless ? { ok: false as const, reason: 'asked for --headless' } : await probeDesktop({ packageRoot, env: context.env });
    if (!probe.ok) {
      writeLine(io.stderr, `Electron cannot start here (${probe.reason}); running the headless host instead.`);
      return runDaemon(args.daemon, { ...host, config });
    }
    writeLine(io.stderr, `Starting the Latchkey desktop app (Electron ${probe.version}).`);
    try {
      return await launchDesktop({
        binary: probe.binary,
        mainEntry: probe.mainEntry,
        env: {
          ...context.env,
          LATCHKEY_HOME: config.home,
          LATCHKEY_VAULT: config.vault.mode,
          ...(config.vault.passphrase === undefined ? {} : { LATCHKEY_PASSPHRASE: config.vault.passphrase }),
          ...(config.allowInsecureLoopback ? { LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1' } : {}),
        },
        onSignal: (handler) => context.signals.onSignal(handler),
        signal,
      });
    } catch {
      throw new LatchkeyError(ErrorCode.CommandFailed, 'The desktop app could not be started.', { hint: 'Run `latchkey start --headless` to use the window in your browser.' });
    }
  },
);
