import type { CommandSpec } from '../spec.js';
import { clientAddCommand, clientListCommand, clientRemoveCommand } from './client.js';
import { connectCommand } from './connect.js';
import { connectionsCommand } from './connections.js';
import { disconnectCommand } from './disconnect.js';
import { tokenCommand } from './token.js';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  connectCommand,
  connectionsCommand,
  disconnectCommand,
  tokenCommand,
  clientAddCommand,
  clientListCommand,
  clientRemoveCommand,
];

/** Command groups: a word that only introduces sub-commands. */
export const GROUPS: Record<string, { summary: string; description: string }> = {
  client: {
    summary: 'Manage the OAuth clients Latchkey uses with each authorization server.',
    description: 'Latchkey registers itself where it can (client metadata document or dynamic registration). Use these when a server needs a client you registered yourself.',
  },
};
