/**
 * The CLI tells no small lies: every command a hint or help text names exists, bare `latchkey`
 * shows the commands, and a mistyped help topic gets a suggestion. Output from the real process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GROUPS } from '../../../electron/cli/commands/index.js';
import { REPO_ROOT, runCli } from '../../support/run-cli.js';

/** Words after "latchkey " in prose or labels that are not meant as a verb. */
const NOT_VERBS = new Set(['and', 'command', 'commands', 'vault']);

function sourceFiles(): string[] {
  return ['electron', 'shared', 'renderer'].flatMap((root) =>
    readdirSync(join(REPO_ROOT, root), { recursive: true, encoding: 'utf8' })
      .filter((path) => /\.tsx?$/u.test(path))
      .map((path) => join(root, path)),
  );
}

/** Every "latchkey <verb> [<sub>]" in the source whose verb or group member does not exist. */
function unknownCommandsNamed(): string[] {
  const verbs = new Set([...COMMANDS.map((command) => command.path[0] ?? ''), 'help']);
  const wrong: string[] = [];
  for (const file of sourceFiles()) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const match of text.matchAll(/\blatchkey ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gu)) {
      const [named, verb = '', sub] = match;
      if (NOT_VERBS.has(verb)) continue;
      const known = verb in GROUPS ? COMMANDS.some((command) => command.path[0] === verb && command.path[1] === sub) : verbs.has(verb);
      if (!known) wrong.push(`${file}: "${named}"`);
    }
  }
  return wrong;
}

describe('hints and help name real commands', () => {
  it('every `latchkey <verb> <sub>` named in a hint, message or help text is a command the parser accepts', () => {
    expect(unknownCommandsNamed()).toEqual([]);
  });

  it('bare `latchkey` prints the command list on stdout and exits 0', async () => {
    const result = await runCli([], {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: latchkey <command> [options]');
    expect(result.stdout).toMatch(/\n {2}connect <mcp-url> +/u);
    expect(result.stderr).toBe('');
  }, 30_000);

  it('a mistyped `latchkey help conect` suggests the command and how to get its help', async () => {
    const result = await runCli(['help', 'conect'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error[input.invalid]: No help for "conect": there is no such command. Did you mean "connect"?\nhint: Run "latchkey help connect".\n');
    expect(result.stdout).toBe('');
  }, 30_000);

  it('a mistyped sub-command in `latchkey help grant eddit` suggests the group member', async () => {
    const result = await runCli(['help', 'grant', 'eddit'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Did you mean "grant edit"?');
  }, 30_000);
});
