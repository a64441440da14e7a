/**
 * The CLI as a function: argv in, exit code out. main.ts wires it to the real process and the
 * real wallet; tests wire it to captured streams and a fake wallet.
 */
import { ErrorCode, isLatchkeyError, LatchkeyError } from '../../shared/errors.js';
import type { UrlPolicy } from '../../shared/url.js';
import { createLogger } from '../base/log/logger.js';
import type { Opener } from '../base/ports.js';
import type { Wallet, WalletConfig } from '../wallet/wallet-api.js';
import type { WalletPorts } from '../wallet/wallet.js';
import { assertOwnerContext } from './agent-mode.js';
import { parseInvocation, suggestCommand, type Invocation } from './args.js';
import { rawArgsOf } from './command-args.js';
import { renderHelpTopic } from './help.js';
import { writeLine, type CliIo } from './io.js';
import { EXIT_OK, reportCancelled, reportError, reportParseFailure, type OutputOptions } from './output.js';
import { readHiddenLine } from './prompt.js';
import { sanitizeForTerminal } from './sanitize.js';
import type { CommandContext, SignalSource } from './spec.js';
import { CancelledError, UsageError } from './usage-error.js';

export type OpenWallet = (config: WalletConfig, ports: Partial<WalletPorts>) => Promise<Wallet>;

export interface CliDeps {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  openWallet: OpenWallet;
  /** Builds the browser opener for a policy (main.ts: the system opener). */
  createOpener: (policy: UrlPolicy) => Opener;
  version: string;
  /** For the default data directory; defaults to os.homedir(). */
  homeDir?: string;
  /** SIGTERM/SIGHUP for commands that forward them (`latchkey run`); default: none arrive. */
  signals?: SignalSource;
  /**
   * Called first for a command that hosts the wallet (`daemon`, `start`), before its module loads,
   * its configuration is read or anything is asked: launch.ts caps V8's young generation there
   * (base/runtime/young-generation.ts), a setting for the whole process. Default: nothing.
   */
  beforeHosting?: () => void;
}

const NO_SIGNALS: SignalSource = { onSignal: () => () => undefined };

/**
 * How long a command that opens the vault itself (no daemon) waits for another one to let go of
 * it: credential helpers run `latchkey token` in parallel, and each holds the vault briefly.
 * The daemon never waits (a second daemon fails at once).
 */
export const CLI_VAULT_LOCK_WAIT_MS = 10_000;

/**
 * Wraps the opener so a failed browser start is visible: the wallet carries on (the URL is on
 * screen), but the user learns why nothing opened. Unsafe URLs still fail the command.
 */
export function announceOpenerFailures(opener: Opener, io: CliIo): Opener {
  return {
    async open(url) {
      try {
        await opener.open(url);
      } catch (error) {
        if (isLatchkeyError(error, ErrorCode.OpenerFailed)) {
          const clear = io.stderr.isTTY === true ? '\r\u001b[2K' : '';
          writeLine(io.stderr, `${clear}warning: ${error.message} Open the URL above yourself.`);
        }
        throw error;
      }
    },
  };
}

async function askPassphraseIfNeeded(config: WalletConfig, io: CliIo): Promise<WalletConfig> {
  if (config.vault.mode !== 'passphrase' || config.vault.passphrase !== undefined) return config;
  if (io.stdin.isTTY !== true) {
    throw new LatchkeyError(ErrorCode.VaultBadPassphrase, 'The passphrase vault needs a passphrase.', {
      hint: 'Set LATCHKEY_PASSPHRASE, or run the command in a terminal to be asked for it.',
    });
  }
  const passphrase = await readHiddenLine(io, 'Vault passphrase: ');
  if (passphrase === '') throw new LatchkeyError(ErrorCode.VaultBadPassphrase, 'The passphrase is empty.');
  return { ...config, vault: { ...config.vault, passphrase } };
}

async function runCommand(invocation: Extract<Invocation, { kind: 'command' }>, deps: CliDeps, output: OutputOptions): Promise<number> {
  const { io } = deps;
  const controller = new AbortController();
  const unsubscribe = io.interrupts.onInterrupt(() => controller.abort());
  let wallet: Wallet | undefined;
  try {
    const raw = rawArgsOf(invocation, controller.signal);
    const context: CommandContext = { env: deps.env, signals: deps.signals ?? NO_SIGNALS };
    // A wallet host sets its process-wide settings (launch.ts) before it loads anything more, or asks anything.
    if (invocation.command.hostsWallet === true) deps.beforeHosting?.();
    // Only now the command's own module: the verb loads what it uses and nothing another verb needs.
    const command = await invocation.command.load();
    // Agent mode: the caller is an agent (a session or agent secret in the environment); it never opens the vault.
    const agentCommand = command.prepareAgent?.(raw, deps.env);
    if (agentCommand !== undefined) return await agentCommand(io, context);
    const host = command.prepareHost?.(raw);
    const prepared = host === undefined ? command.prepare(raw) : undefined;
    // Before the passphrase prompt, the first-run vault choice or the vault: the same refusal whatever the vault mode.
    if (command.allowedInAgentSession !== true) assertOwnerContext(deps.env);
    // The owner's path only: the wallet configuration and its schemas are not an agent's to load.
    const { resolveConfig } = await import('./config.js');
    const config = await askPassphraseIfNeeded(resolveConfig(invocation.globals, deps.env, deps.homeDir), io);
    const logger = createLogger({ level: output.verbose ? 'debug' : host === undefined ? 'error' : 'info', write: (line) => writeLine(io.stderr, line) });
    const opener = announceOpenerFailures(deps.createOpener({ allowInsecureLoopback: config.allowInsecureLoopback }), io);
    // Host mode (`latchkey daemon`): the command builds the wallet itself and keeps it.
    if (host !== undefined) return await host({ config, io, context, logger, opener, signal: controller.signal });
    const waiting = { ...config, vault: { ...config.vault, lockWaitMs: config.vault.lockWaitMs ?? CLI_VAULT_LOCK_WAIT_MS } };
    wallet = await deps.openWallet(waiting, { opener, logger, env: deps.env });
    if (controller.signal.aborted) throw new CancelledError();
    if (wallet.vaultStatus.warning !== undefined) writeLine(io.stderr, `warning: ${wallet.vaultStatus.warning}`);
    return await prepared!(wallet, io, context);
  } catch (error) {
    if (controller.signal.aborted || error instanceof CancelledError) return reportCancelled(io, output);
    return reportError(io, error, output);
  } finally {
    unsubscribe();
    if (wallet !== undefined) await wallet.close().catch((error: unknown) => reportError(io, error, output));
  }
}

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    return reportParseFailure(io, argv, error);
  }
  switch (invocation.kind) {
    case 'version':
      writeLine(io.stdout, deps.version);
      return EXIT_OK;
    case 'help': {
      const text = renderHelpTopic(invocation.topic, deps.version);
      if (text === undefined) {
        const guess = suggestCommand(invocation.topic);
        const didYouMean = guess === undefined ? '' : ` Did you mean "${guess}"?`;
        const hint = guess === undefined ? 'Run "latchkey help" to see the commands.' : `Run "latchkey help ${guess}".`;
        return reportError(io, new UsageError(`No help for "${sanitizeForTerminal(invocation.topic.join(' '))}": there is no such command.${didYouMean}`, hint), {
          json: false,
          verbose: false,
        });
      }
      io.stdout.write(text);
      return EXIT_OK;
    }
    case 'command':
      return runCommand(invocation, deps, { json: invocation.json, verbose: invocation.globals.verbose === true });
  }
}
