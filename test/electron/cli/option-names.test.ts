/**
 * Option names across the whole CLI spec. The parser finds the verb with every command's options
 * at once, then parses argv again with the command's own; so a name that is a switch in one
 * command and takes a value in another is safe only where the first pass cannot take a word
 * meant as the command for an option's value. Each such name is listed here with why it is safe;
 * any other name keeps one type everywhere, globals included.
 */
import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../electron/cli/args.js';
import { COMMANDS } from '../../../electron/cli/commands/index.js';
import { GLOBAL_OPTIONS, type OptionSpec } from '../../../electron/cli/spec.js';

/** Names that are a switch in one command and take a value in another, and why that is safe. */
const TWO_TYPES: Record<string, string> = {
  resource:
    'connect --resource is a switch (the URL is the resource itself); audit --resource URL filters and run --delegate --resource URL bounds a delegated session. All three are top-level verbs, so no sub-command word follows where the first pass could read it as a value.',
};

interface Use {
  where: string;
  option: OptionSpec;
  topLevel: boolean;
}

function usesByName(): Map<string, Use[]> {
  const uses = new Map<string, Use[]>();
  const add = (name: string, use: Use): void => void uses.set(name, [...(uses.get(name) ?? []), use]);
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) add(name, { where: 'every command (global)', option, topLevel: false });
  for (const command of COMMANDS) {
    for (const [name, option] of Object.entries(command.options)) add(name, { where: `latchkey ${command.path.join(' ')}`, option, topLevel: command.path.length === 1 });
  }
  return uses;
}

const USES = usesByName();
const kindOf = (option: OptionSpec): string => (option.type === 'boolean' ? 'switch' : 'value');

describe('every option name keeps one type across the CLI spec', () => {
  it('a name is a switch everywhere or takes a value everywhere, but for the names listed with a reason', () => {
    const twoTypes = [...USES].filter(([, uses]) => new Set(uses.map((use) => kindOf(use.option))).size > 1);
    const described = twoTypes.map(([name, uses]) => `--${name}: ${uses.map((use) => `${kindOf(use.option)} in ${use.where}`).join(', ')}`);
    // A new clash fails here (list it with its reason or rename it); so does a listed name that no longer clashes.
    expect(twoTypes.map(([name]) => name).sort(), described.join('\n')).toEqual(Object.keys(TWO_TYPES).sort());
  });

  it('a name listed with two types is no global option and belongs to top-level verbs only', () => {
    for (const name of Object.keys(TWO_TYPES)) {
      const uses = USES.get(name) ?? [];
      expect(Object.keys(GLOBAL_OPTIONS), name).not.toContain(name);
      expect(uses.filter((use) => !use.topLevel).map((use) => use.where), `--${name} in a grouped command`).toEqual([]);
    }
  });

  it('a short letter stands for one option name everywhere', () => {
    const names = new Map<string, Set<string>>();
    for (const [name, uses] of USES) {
      for (const use of uses) if (use.option.short !== undefined) names.set(use.option.short, new Set([...(names.get(use.option.short) ?? []), name]));
    }
    const shared = [...names].filter(([, of]) => of.size > 1).map(([letter, of]) => `-${letter}: ${[...of].join(', ')}`);
    expect(shared).toEqual([]);
  });
});

describe("each command's options parse as that command declares them", () => {
  const cases = COMMANDS.flatMap((command) => Object.entries(command.options).map(([name, option]) => ({ command, name, option })));

  it.each(cases.map((c) => [`latchkey ${c.command.path.join(' ')} --${c.name}`, c] as const))('%s', (_label, { command, name, option }) => {
    const positionals = command.positionals.map((_, index) => `word-${index}`);
    const argv = [...command.path, `--${name}`, ...(option.type === 'string' ? ['a-value'] : []), ...(positionals.length > 0 ? ['--', ...positionals] : [])];
    const invocation = parseInvocation(argv);
    if (invocation.kind !== 'command') throw new Error(`${argv.join(' ')} parsed as ${invocation.kind}`);
    const one = option.type === 'boolean' ? true : 'a-value';
    expect(invocation.values[name]).toEqual(option.multiple === true ? [one] : one);
    expect(invocation.positionals).toEqual(positionals);
  });
});
