/**
 * One command's arguments: argv parsed with that command's options and the global ones (node:util
 * parseArgs), every mistake a UsageError that names it. args.ts finds the command in the table
 * first; an agent's `latchkey token` (agent-token.ts) parses with the token command's own options
 * through the same functions, without loading the table.
 */
import type * as Util from 'node:util';
import { builtinModule } from '../base/builtin-module.js';
import type { GlobalFlags } from './config.js';
import { GLOBAL_OPTIONS, getFlag, getString, type CommandHelp, type OptionSpec, type OptionValues, type RawArgs } from './spec.js';
import { UsageError } from './usage-error.js';

/** node:util through builtinModule (process.getBuiltinModule): its ESM facade reads every export, which costs a CLI start some 10 ms. */
const { parseArgs } = builtinModule<typeof Util>('node:util');

/** What the parser needs of a command: its words, options and positionals. */
export type CommandShape = Pick<CommandHelp, 'path' | 'usage' | 'options' | 'positionals' | 'optionalPositionals' | 'variadic'>;

export type ParsedCommandArgs =
  | { kind: 'version' }
  | {
      kind: 'command';
      positionals: string[];
      /** Words after `--`, if there was one (they are also in `positionals`). */
      afterDashDash?: string[];
      values: OptionValues;
      globals: GlobalFlags;
      json: boolean;
    };

function toParseArgsOptions(options: Record<string, OptionSpec>): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, option] of Object.entries(options)) {
    out[name] = {
      type: option.type,
      ...(option.multiple === true ? { multiple: true } : {}),
      ...(option.short === undefined ? {} : { short: option.short }),
    };
  }
  return out;
}

function commandName(command: CommandShape | undefined): string {
  return command === undefined ? 'latchkey' : `latchkey ${command.path.join(' ')}`;
}

function helpHint(command: CommandShape | undefined): string {
  return command === undefined ? 'Run "latchkey help" to see the commands.' : `Run "${commandName(command)} --help" to see its options.`;
}

interface OptionToken {
  name: string;
  rawName: string;
  value: string | undefined;
  inlineValue: boolean | undefined;
}

export function checkOptions(tokens: OptionToken[], allowed: Record<string, OptionSpec>, command: CommandShape | undefined): void {
  for (const token of tokens) {
    const option = allowed[token.name];
    if (option === undefined) {
      throw new UsageError(`Unknown option ${token.rawName} for "${commandName(command)}".`, helpHint(command));
    }
    if (option.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`${token.rawName} does not take a value.`, helpHint(command));
    }
    if (option.type === 'string') {
      const value = token.value;
      const needs = `${token.rawName} needs a value (--${token.name} ${option.valueName ?? 'VALUE'})`;
      if (value === undefined) throw new UsageError(`${needs}.`, helpHint(command));
      // An id that starts with a dash (an authorization server's random client id can) is taken only after "=".
      if (token.inlineValue !== true && value.startsWith('-')) {
        throw new UsageError(`${needs}; what follows it starts with "-", like an option.`, `If that is the value, write it after "=": --${token.name}=-….`);
      }
    }
  }
}

function checkPositionals(command: CommandShape, positionals: string[]): void {
  const required = command.positionals.length - (command.optionalPositionals ?? 0);
  if (positionals.length < required) {
    const missing = command.positionals.slice(positionals.length).join(' ');
    throw new UsageError(`"${commandName(command)}" needs ${missing}.`, `Usage: ${command.usage}`);
  }
  if (positionals.length > command.positionals.length && command.variadic !== true) {
    const extra = positionals.slice(command.positionals.length).join(' ');
    throw new UsageError(`Unexpected argument "${extra}" for "${commandName(command)}".`, `Usage: ${command.usage}`);
  }
}

function globalsOf(values: OptionValues): GlobalFlags {
  const home = getString(values, 'home');
  const vault = getString(values, 'vault');
  return {
    ...(home === undefined ? {} : { home }),
    ...(vault === undefined ? {} : { vault }),
    allowInsecureLoopback: getFlag(values, 'allow-insecure-loopback'),
    verbose: getFlag(values, 'verbose'),
  };
}

interface Scan {
  values: OptionValues;
  optionTokens: OptionToken[];
  positionals: string[];
  afterDashDash: string[] | undefined;
}

/** One pass of node's parseArgs over argv with these options (unknown ones are kept for checkOptions to name). */
export function scan(argv: readonly string[], options: Record<string, OptionSpec>): Scan {
  const parsed = parseArgs({
    args: [...argv],
    options: toParseArgsOptions(options),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const optionTokens: OptionToken[] = parsed.tokens.flatMap((token) =>
    token.kind === 'option' ? [{ name: token.name, rawName: token.rawName, value: token.value, inlineValue: token.inlineValue }] : [],
  );
  const terminator = parsed.tokens.find((token) => token.kind === 'option-terminator');
  const afterDashDash =
    terminator === undefined
      ? undefined
      : parsed.tokens.flatMap((token) => (token.kind === 'positional' && token.index > terminator.index ? [token.value] : []));
  return { values: parsed.values as OptionValues, optionTokens, positionals: parsed.positionals, afterDashDash };
}

/** What a command's `prepare` gets of parsed arguments, with the signal of this call. */
export function rawArgsOf(parsed: { positionals: string[]; values: OptionValues; afterDashDash?: string[] | undefined }, signal: AbortSignal): RawArgs {
  return {
    positionals: parsed.positionals,
    values: parsed.values,
    signal,
    ...(parsed.afterDashDash === undefined ? {} : { afterDashDash: parsed.afterDashDash }),
  };
}

/** argv (verb included) for this command: its options and positionals checked; `--version` wins. */
export function parseCommandArgs(argv: readonly string[], command: CommandShape): ParsedCommandArgs {
  const own = scan(argv, { ...GLOBAL_OPTIONS, ...command.options });
  checkOptions(own.optionTokens, { ...GLOBAL_OPTIONS, ...command.options }, command);
  if (getFlag(own.values, 'version')) return { kind: 'version' };
  const positionals = own.positionals.slice(command.path.length);
  checkPositionals(command, positionals);
  return {
    kind: 'command',
    positionals,
    ...(own.afterDashDash === undefined ? {} : { afterDashDash: own.afterDashDash }),
    values: own.values,
    globals: globalsOf(own.values),
    json: getFlag(own.values, 'json'),
  };
}
