/**
 * The CLI's lazy command table (electron/cli/commands/table.ts) against the commands themselves:
 * the file is what scripts/cli-command-table.ts writes today, it lists every command with the
 * same help and options, and each entry loads the very command it describes.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../electron/cli/commands/index.js';
import { COMMAND_TABLE } from '../../electron/cli/commands/table.js';
import { COMMAND_TABLE_PATH, renderCommandTable } from '../../scripts/cli-command-table.js';

describe('the lazy command table', () => {
  it('is what scripts/cli-command-table.ts writes from the commands as they are', async () => {
    const written = await readFile(COMMAND_TABLE_PATH, 'utf8');
    expect(written === (await renderCommandTable()), 'commands/table.ts is stale: run node --import tsx scripts/cli-command-table.ts').toBe(true);
  });

  it('lists every command, in order, with its help and options', () => {
    expect(COMMAND_TABLE.map((entry) => entry.path.join(' '))).toEqual(COMMANDS.map((command) => command.path.join(' ')));
    COMMAND_TABLE.forEach((entry, index) => {
      const { load: _load, ...help } = entry;
      const { prepare: _prepare, prepareAgent: _agent, prepareHost: _host, allowedInAgentSession: _allowed, ...expected } = COMMANDS[index]!;
      expect(help).toEqual(expected);
    });
  });

  it('loads, on dispatch, the very command each entry describes', async () => {
    const loaded = await Promise.all(COMMAND_TABLE.map((entry) => entry.load()));
    loaded.forEach((command, index) => expect(command).toBe(COMMANDS[index]));
  });
});
