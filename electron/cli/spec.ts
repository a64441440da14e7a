/**
 * The shape of a CLI command: its help text, the options it takes, how its arguments are checked
 * (before the wallet opens) and what it runs. Each command lives in commands/<verb>.ts.
 */
import type { Wallet, WalletConfig } from '../wallet/wallet-api.js';
import type { Logger, Opener } from '../base/ports.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's name in help, e.g. DIR. */
  valueName?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** What the parser hands a command: still strings, checked by the command's `parse`. */
export interface RawArgs {
  positionals: string[];
  values: OptionValues;
  /** The words after a `--` (also among `positionals`); undefined when there was no `--`. */
  afterDashDash?: string[];
  /** Set when the user presses Ctrl-C. */
  signal: AbortSignal;
}

/** Process signals other than SIGINT (which arrives through `io.interrupts`). */
export type ForwardedSignal = 'SIGTERM' | 'SIGHUP';

export interface SignalSource {
  /** Subscribes; returns the function that unsubscribes. While subscribed, the signal does not end the process. */
  onSignal(handler: (signal: ForwardedSignal) => void): () => void;
}

/** What a command may use besides the wallet and its streams. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  signals: SignalSource;
}

/** A command after its arguments were checked: runs against a wallet, returns the exit code. */
export type PreparedCommand = (wallet: Wallet, io: CliIo, context: CommandContext) => Promise<number>;

/** A command that runs without the wallet: agent mode (an agent never owns the vault). */
export type AgentCommand = (io: CliIo, context: CommandContext) => Promise<number>;

export interface CommandHelp {
  /** The words after `latchkey`, e.g. ['client', 'add']. */
  path: string[];
  /** e.g. 'latchkey connect <mcp-url> [--scope S ...] [--timeout SECONDS] [--json]' */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph or two for `--help`. */
  description: string;
  examples: string[];
  options: Record<string, OptionSpec>;
  /** How many positional arguments it takes and their names for messages. */
  positionals: string[];
  optionalPositionals?: number;
  /** The last positional may repeat (e.g. `latchkey run … -- <command> [args]`). */
  variadic?: boolean;
  /** It runs the wallet host (`daemon`, `start`): run.ts calls beforeHosting (the young-generation cap) before loading it. */
  hostsWallet?: true;
}

export interface CommandSpec extends CommandHelp {
  /** Checks the arguments (throwing UsageError) and binds them to the command. */
  prepare(raw: RawArgs): PreparedCommand;
  /**
   * Agent mode: when present and it returns a command, that runs instead and no wallet is opened
   * (e.g. `latchkey token` with LATCHKEY_SESSION set asks the bridge).
   */
  prepareAgent?(raw: RawArgs, env: NodeJS.ProcessEnv): AgentCommand | undefined;
  /** Host mode: the command owns the wallet's lifetime (e.g. `latchkey daemon`). */
  prepareHost?(raw: RawArgs): HostCommand;
  /**
   * Runs inside an agent session too: a check that never opens the vault (`latchkey doctor`).
   * Every other command that is not agent mode is the owner's and is refused there.
   */
  allowedInAgentSession?: boolean;
}

/**
 * A command in the CLI's table (commands/table.ts): its help and options at hand, for the parser
 * and `latchkey help`; its implementation loaded when it is dispatched, so a verb loads only the
 * modules it uses.
 */
export interface CommandEntry extends CommandHelp {
  load(): Promise<CommandSpec>;
}

export interface HostContext {
  config: WalletConfig;
  io: CliIo;
  context: CommandContext;
  logger: Logger;
  opener: Opener;
  /** Aborts on Ctrl-C. */
  signal: AbortSignal;
}

/** A command that builds and runs the wallet itself instead of being handed one. */
export type HostCommand = (host: HostContext) => Promise<number>;

/** Builds a host-mode command. */
export function defineHostCommand<A>(help: CommandHelp, parse: (raw: RawArgs) => A, run: (args: A, host: HostContext) => Promise<number>): CommandSpec {
  return {
    ...help,
    prepare() {
      throw new Error(`${help.path.join(' ')} runs in host mode only`);
    },
    prepareHost(raw) {
      const args = parse(raw);
      return (host) => run(args, host);
    },
  };
}

/** Builds a CommandSpec from a typed argument parser and a typed runner. */
export function defineCommand<A>(
  help: CommandHelp,
  parse: (raw: RawArgs) => A,
  run: (wallet: Wallet, args: A, io: CliIo, context: CommandContext) => Promise<number>,
): CommandSpec {
  return {
    ...help,
    prepare(raw) {
      const args = parse(raw);
      return (wallet, io, context) => run(wallet, args, io, context);
    },
  };
}

/** Builds a command that only exists in agent mode: it never opens the wallet. */
export function defineAgentCommand<A>(
  help: CommandHelp,
  parse: (raw: RawArgs) => A,
  run: (args: A, io: CliIo, context: CommandContext) => Promise<number>,
): CommandSpec {
  return {
    ...help,
    prepare() {
      throw new Error(`${help.path.join(' ')} runs in agent mode only`);
    },
    prepareAgent(raw) {
      const args = parse(raw);
      return (io, context) => run(args, io, context);
    },
  };
}

export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'Print machine-readable JSON on stdout.' };

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  home: { type: 'string', valueName: 'DIR', description: 'Data directory (default: $LATCHKEY_HOME, else ~/.latchkey).' },
  'allow-insecure-loopback': {
    type: 'boolean',
    description: 'Allow plain http:// for 127.0.0.1/localhost servers, for tests and local development (or LATCHKEY_ALLOW_INSECURE_LOOPBACK=1).',
  },
  vault: {
    type: 'string',
    valueName: 'MODE',
    description:
      'keychain (default), passphrase (LATCHKEY_PASSPHRASE or a prompt) or memory (nothing kept after exit); or LATCHKEY_VAULT.',
  },
  verbose: { type: 'boolean', description: 'Write debug logs (secrets redacted) to stderr.' },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command.' },
  version: { type: 'boolean', short: 'V', description: 'Print the version.' },
};

export function getString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function getStrings(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function getFlag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** The one positional argument a command requires. The parser already checked the count. */
export function requirePositional(raw: RawArgs, index: number, name: string): string {
  const value = raw.positionals[index];
  if (value === undefined || value === '') throw new UsageError(`Missing ${name}.`);
  return value;
}
