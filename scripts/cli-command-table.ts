/**
 * Writes electron/cli/commands/table.ts, the CLI's lazy command table, from the commands as they
 * are (commands/index.ts): each command's help and options as data, and a loader that imports
 * its module only when the command runs. `latchkey token` then loads neither the MCP SDK nor the
 * proxy nor anything else another verb needs. test/scripts/cli-command-table.test.ts fails when
 * the file no longer matches the commands.
 *
 *   node --import tsx scripts/cli-command-table.ts
 */
import { readdir, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from '../electron/cli/commands/index.js';
import type { CommandHelp, CommandSpec } from '../electron/cli/spec.js';

const COMMANDS_DIR = resolve(import.meta.dirname, '../electron/cli/commands');
export const COMMAND_TABLE_PATH = resolve(COMMANDS_DIR, 'table.ts');

/** What the table keeps of a command: everything the parser and the help read, and whether it hosts the wallet (read before loading it), in this order. */
const HELP_KEYS = ['path', 'usage', 'summary', 'description', 'examples', 'positionals', 'optionalPositionals', 'variadic', 'options', 'hostsWallet'] as const satisfies ReadonlyArray<keyof CommandHelp>;
/** What only the loaded command needs (run.ts reads them after loading it). */
const LOADED_KEYS = new Set(['prepare', 'prepareAgent', 'prepareHost', 'allowedInAgentSession']);

interface Source {
  file: string;
  exportName: string;
}

/** Which module and export each command of COMMANDS is. */
async function findSources(): Promise<Map<CommandSpec, Source>> {
  const sources = new Map<CommandSpec, Source>();
  const files = (await readdir(COMMANDS_DIR)).filter((name) => name.endsWith('.ts') && !['index.ts', 'table.ts', 'groups.ts'].includes(name)).sort();
  for (const file of files) {
    const module = (await import(pathToFileURL(resolve(COMMANDS_DIR, file)).href)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(module)) {
      const command = COMMANDS.find((candidate) => candidate === value);
      if (command !== undefined && !sources.has(command)) sources.set(command, { file, exportName });
    }
  }
  return sources;
}

function entryText(command: CommandSpec, source: Source): string {
  const unknown = Object.keys(command).filter((key) => !(HELP_KEYS as readonly string[]).includes(key) && !LOADED_KEYS.has(key));
  if (unknown.length > 0) throw new Error(`latchkey ${command.path.join(' ')}: ${unknown.join(', ')} is neither help nor implementation; add it to HELP_KEYS or LOADED_KEYS`);
  const lines = HELP_KEYS.filter((key) => command[key] !== undefined).map((key) => `    ${key}: ${JSON.stringify(command[key])},`);
  const module = `./${basename(source.file, '.ts')}.js`;
  return ['  {', ...lines, `    load: async () => (await import('${module}')).${source.exportName},`, '  },'].join('\n');
}

/** The text of commands/table.ts for the commands as they are now. */
export async function renderCommandTable(): Promise<string> {
  const sources = await findSources();
  const entries = COMMANDS.map((command) => {
    const source = sources.get(command);
    if (source === undefined) throw new Error(`latchkey ${command.path.join(' ')} is not exported by any module in electron/cli/commands`);
    return entryText(command, source);
  });
  return [
    '/**',
    ' * Every command, in the order help lists them: help and options at hand, the implementation',
    ' * loaded on dispatch. Written by scripts/cli-command-table.ts from commands/index.ts; do not edit',
    ' * by hand (run `node --import tsx scripts/cli-command-table.ts` after changing a command).',
    ' */',
    "import type { CommandEntry } from '../spec.js';",
    '',
    'export const COMMAND_TABLE: readonly CommandEntry[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await writeFile(COMMAND_TABLE_PATH, await renderCommandTable());
  console.log(`wrote ${COMMAND_TABLE_PATH} (${COMMANDS.length} commands)`);
}
