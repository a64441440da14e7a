/**
 * argv → what to do. Built on node:util parseArgs; global options are accepted anywhere.
 * Every mistake is a UsageError (exit code 2) that names the problem.
 */
import { parseArgs } from 'node:util';
import { GROUPS } from './commands/groups.js';
import { COMMAND_TABLE } from './commands/table.js';
import type { GlobalFlags } from './config.js';
import { GLOBAL_OPTIONS, getFlag, getString, type CommandEntry, type OptionSpec, type OptionValues } from './spec.js';
import { UsageError } from './usage-error.js';

export type Invocation =
  | { kind: 'help'; topic: string[] }
  | { kind: 'version' }
  | {
      kind: 'command';
      command: CommandEntry;
      positionals: string[];
      /** Words after `--`, if there was one (they are also in `positionals`). */
      afterDashDash?: string[];
      values: OptionValues;
      globals: GlobalFlags;
      json: boolean;
    };

/** Every option any command knows, so a first pass can find the verb whatever the order. */
function allOptions(): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMAND_TABLE) Object.assign(all, command.options);
  return all;
}

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

function commandName(command: CommandEntry | undefined): string {
  return command === undefined ? 'latchkey' : `latchkey ${command.path.join(' ')}`;
}

function helpHint(command: CommandEntry | undefined): string {
  return command === undefined ? 'Run "latchkey help" to see the commands.' : `Run "${commandName(command)} --help" to see its options.`;
}

/** Closest known word, for "did you mean". */
function suggest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const current = row[j] ?? 0;
        row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length] ?? Infinity;
  };
  const best = candidates.map((c) => [c, distance(word, c)] as const).sort((x, y) => x[1] - y[1])[0];
  return best !== undefined && best[1] <= 2 ? best[0] : undefined;
}

/** "connect" for "conect", "grant edit" for "grant eidt": the closest real command, if one is close. */
export function suggestCommand(words: readonly string[]): string | undefined {
  const [verb, sub] = words;
  if (verb === undefined) return undefined;
  const topLevel = [...new Set(COMMAND_TABLE.map((command) => command.path[0] ?? ''))];
  const group = topLevel.includes(verb) ? verb : suggest(verb, topLevel);
  if (group === undefined) return undefined;
  if (!(group in GROUPS)) return group;
  const members = COMMAND_TABLE.filter((command) => command.path[0] === group).map((command) => command.path[1] ?? '');
  const member = sub === undefined ? undefined : members.includes(sub) ? sub : suggest(sub, members);
  return member === undefined ? group : `${group} ${member}`;
}

function unknownCommand(words: string[], known: string[], hint: string): UsageError {
  const guess = suggest(words[words.length - 1] ?? '', known);
  return new UsageError(`Unknown command "${words.join(' ')}".${guess === undefined ? '' : ` Did you mean "${guess}"?`}`, hint);
}

interface OptionToken {
  name: string;
  rawName: string;
  value: string | undefined;
  inlineValue: boolean | undefined;
}

function checkOptions(tokens: OptionToken[], allowed: Record<string, OptionSpec>, command: CommandEntry | undefined): void {
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
      if (value === undefined || (token.inlineValue !== true && value.startsWith('-'))) {
        throw new UsageError(`${token.rawName} needs a value (--${token.name} ${option.valueName ?? 'VALUE'}).`, helpHint(command));
      }
    }
  }
}

function checkPositionals(command: CommandEntry, positionals: string[]): void {
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
function scan(argv: readonly string[], options: Record<string, OptionSpec>): Scan {
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

export function parseInvocation(argv: readonly string[]): Invocation {
  // First pass with every command's options, to find the verb wherever the options are; the
  // command's own options then parse argv again, so one name may mean different things in two commands.
  const { values, optionTokens, positionals: allPositionals } = scan(argv, allOptions());
  const [verb, ...rest] = allPositionals;
  const wantsHelp = getFlag(values, 'help');

  if (verb === undefined) {
    checkOptions(optionTokens, GLOBAL_OPTIONS, undefined);
    if (getFlag(values, 'version')) return { kind: 'version' };
    // Bare `latchkey` (or only global options): the commands are what the user needs to see.
    return { kind: 'help', topic: [] };
  }
  if (verb === 'help') {
    checkOptions(optionTokens, GLOBAL_OPTIONS, undefined);
    return { kind: 'help', topic: rest };
  }

  const topLevel = [...new Set(COMMAND_TABLE.map((command) => command.path[0] ?? ''))];
  if (verb in GROUPS) {
    const sub = rest[0];
    const members = COMMAND_TABLE.filter((command) => command.path[0] === verb);
    if (sub === undefined) {
      if (wantsHelp) return { kind: 'help', topic: [verb] };
      throw new UsageError(
        `"latchkey ${verb}" needs a sub-command: ${members.map((command) => command.path[1]).join(', ')}.`,
        `Run "latchkey ${verb} --help".`,
      );
    }
    const command = members.find((member) => member.path[1] === sub);
    if (command === undefined) {
      throw unknownCommand([verb, sub], members.map((member) => member.path[1] ?? ''), `Run "latchkey ${verb} --help".`);
    }
    return finish(command);
  }
  const command = COMMAND_TABLE.find((candidate) => candidate.path.length === 1 && candidate.path[0] === verb);
  if (command === undefined) throw unknownCommand([verb], [...topLevel, 'help'], 'Run "latchkey help" to see the commands.');
  return finish(command);

  function finish(command: CommandEntry): Invocation {
    if (wantsHelp) return { kind: 'help', topic: command.path };
    const own = scan(argv, { ...GLOBAL_OPTIONS, ...command.options });
    checkOptions(own.optionTokens, { ...GLOBAL_OPTIONS, ...command.options }, command);
    if (getFlag(own.values, 'version')) return { kind: 'version' };
    const positionals = own.positionals.slice(command.path.length);
    checkPositionals(command, positionals);
    return {
      kind: 'command',
      command,
      positionals,
      ...(own.afterDashDash === undefined ? {} : { afterDashDash: own.afterDashDash }),
      values: own.values,
      globals: globalsOf(own.values),
      json: getFlag(own.values, 'json'),
    };
  }
}
