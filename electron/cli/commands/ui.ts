/**
 * `latchkey ui`: a fresh one-time sign-in link to the window the running daemon serves (the
 * used-link page sends the owner here). Asked for over the owner socket only: the window's own
 * API cannot mint links. `--open` opens it with the caller's browser (BROWSER).
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { requestSignInLink } from '../../wallet/host/owner-client.js';
import { createSystemOpener } from '../../base/opener/index.js';
import { findDaemonFor } from '../find-daemon.js';
import { writeLine } from '../io.js';
import { defineHostCommand, getFlag, type HostContext, type RawArgs } from '../spec.js';

export interface UiArgs {
  open: boolean;
}

export function parseUiArgs(raw: RawArgs): UiArgs {
  return { open: getFlag(raw.values, 'open') };
}

export async function runUi(args: UiArgs, { config, io, context }: HostContext): Promise<number> {
  const endpoint = await findDaemonFor(config.home, context.env);
  if (endpoint === undefined) {
    throw new LatchkeyError(ErrorCode.DaemonHasNoWindow, 'No Latchkey daemon is running for this data directory, so there is no window to sign in to.', {
      hint: 'Start it with: latchkey daemon (or latchkey start); it prints a sign-in link.',
    });
  }
  const link = await requestSignInLink(endpoint);
  writeLine(io.stdout, link);
  writeLine(io.stderr, 'The link works once, in one tab (within a day); run `latchkey ui` again for another.');
  if (args.open) {
    // The link is the daemon's own window on 127.0.0.1 (checked by requestSignInLink), so plain http is expected here.
    await createSystemOpener({ env: context.env, platform: process.platform, policy: { allowInsecureLoopback: true } }).open(new URL(link));
  }
  return 0;
}

export const uiCommand = defineHostCommand(
  {
    path: ['ui'],
    usage: 'latchkey ui [--open]',
    summary: 'Print a new sign-in link to the running daemon\'s window.',
    description:
      'Asks the running daemon (over its owner socket) for a new one-time link to its window on 127.0.0.1. ' +
      'Each link signs in one tab once; run this again whenever you need another.',
    examples: ['latchkey ui', 'latchkey ui --open'],
    positionals: [],
    options: {
      open: { type: 'boolean', description: 'Open the link in your browser too (BROWSER, else the system browser).' },
    },
  },
  parseUiArgs,
  runUi,
);
