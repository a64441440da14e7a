/**
 * argv → what to do. Built on node:util parseArgs; global options are accepted anywhere.
 * Every mistake is a UsageError (exit code 2) that names the problem.
 */
import { GROUPS } from './commands/groups.js';
import { COMMAND_TABLE } from './commands/table.js';
import { checkOptions, parseCommandArgs, scan, type ParsedCommandArgs } from './command-args.js';
import { GLOBAL_OPTIONS, getFlag, type CommandEntry, type OptionSpec } from './spec.js';
import { UsageError } from './usage-error.js';

export type Invocation =
  | { kind: 'help'; topic: string[] }
  | { kind: 'version' }
  | (Extract<ParsedCommandArgs, { kind: 'command' }> & { command: CommandEntry });

/** Every option any command knows, so a first pass can find the verb whatever the order. */
function allOptions(): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMAND_TABLE) Object.assign(all, command.options);
  return all;
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
    const parsed = parseCommandArgs(argv, command);
    return parsed.kind === 'version' ? parsed : { ...parsed, command };
  }
}
