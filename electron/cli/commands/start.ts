/**
 * `latchkey start` (what `npm start` runs): the desktop app when Electron can start here, else the
 * headless host (`latchkey daemon` with the window), saying which and why.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { launchDesktop, probeDesktop } from '../../core/host/desktop.js';
import { findPackageRoot } from '../../core/host/package-root.js';
import type { WalletConfig } from '../../core/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { readSavedSettings, saveSettings, settingsPathIn } from '../saved-settings.js';
import { defineHostCommand, getFlag, getString } from '../spec.js';
import { chooseStartVault } from '../vault-choice.js';
import { DAEMON_OPTIONS, parseDaemonArgs, runDaemon, type DaemonArgs } from './daemon.js';

interface StartArgs {
  headless: boolean;
  /** --vault was given. */
  vaultFlag: boolean;
  daemon: DaemonArgs;
}

/** How long the keychain probe may take before start offers another vault. */
const KEYCHAIN_PROBE_TIMEOUT_MS = 3_000;

/** The configured vault, or, with no mode chosen and no usable keychain, the one the user picks. */
async function vaultForStart(config: WalletConfig, vaultFlag: boolean, io: CliIo, env: NodeJS.ProcessEnv): Promise<WalletConfig> {
  const chosen = vaultFlag || (env['LATCHKEY_VAULT'] ?? '').trim() !== '' || readSavedSettings(config.home).vault !== undefined;
  const { createKeytarSecretStore, probeKeychain, vaultPathsIn } = await import('../../core/vault/index.js');
  return chooseStartVault(
    { config, chosen, io },
    {
      probeKeychain: () => probeKeychain(createKeytarSecretStore({ timeoutMs: KEYCHAIN_PROBE_TIMEOUT_MS })),
      vaultExists: (home) => existsSync(vaultPathsIn(home).current) || existsSync(vaultPathsIn(home).previous),
      saveChoice: (home, mode) => {
        saveSettings(home, { vault: mode });
        return settingsPathIn(home);
      },
    },
  );
}

export const startCommand = defineHostCommand(
  {
    path: ['start'],
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
    const config = await vaultForStart(host.config, args.vaultFlag, io, context.env);
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
