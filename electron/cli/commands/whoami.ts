import type { WhoamiResponse } from '../../../shared/bridge.js';
import { connectAgentBridge } from '../agent-mode.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal, writeInertJson } from '../sanitize.js';
import { defineAgentCommand, getFlag, JSON_OPTION, type CommandContext, type RawArgs } from '../spec.js';
import { alignColumns, formatTime } from '../table.js';

export interface WhoamiArgs {
  json: boolean;
}

export function parseWhoamiArgs(raw: RawArgs): WhoamiArgs {
  return { json: getFlag(raw.values, 'json') };
}

/** What the bridge knows about the calling agent: who it is, its session (a delegated one with its chain and slice) and its grants. */
export async function runWhoami(args: WhoamiArgs, io: CliIo, context: CommandContext): Promise<number> {
  const bridge = await connectAgentBridge(context.env);
  try {
    const me = await bridge.whoami();
    if (args.json) writeInertJson(io, me);
    else describe(io, me);
    return EXIT_OK;
  } finally {
    bridge.close();
  }
}

function describe(io: CliIo, me: WhoamiResponse): void {
  writeLine(io.stdout, `agent    ${sanitizeForTerminal(me.agent.name)} (${sanitizeForTerminal(me.agent.kind)}, ${sanitizeForTerminal(me.agent.id)})`);
  if (me.session !== undefined) {
    writeLine(io.stdout, `session  ${sanitizeForTerminal(me.session.id)}, ends ${formatTime(me.session.expires_at * 1000)}`);
    describeDelegation(io, me.session);
  }
  if (me.grants.length === 0) {
    writeLine(io.stdout, 'grants   none: each request waits for the owner\'s approval');
    return;
  }
  writeLine(io.stdout, 'grants');
  const rows = me.grants.map((grant) => [
    `  ${sanitizeForTerminal(grant.resource)}${grant.account === undefined ? '' : ` (account ${sanitizeForTerminal(grant.account)})`}`,
    sanitizeForTerminal(grant.scopes.join(' ') || '-'),
    grant.mode,
    grant.max_token_lifetime_seconds === undefined ? 'tokens as issued' : `tokens ≤ ${Math.round(grant.max_token_lifetime_seconds / 60)} min`,
    grant.expires_at === undefined ? 'no expiry' : `until ${formatTime(grant.expires_at * 1000)}`,
  ]);
  for (const line of alignColumns(rows)) writeLine(io.stdout, line);
}

/** A delegated session (T40): where it came from and the slice it holds (its grants below are cut to it). */
function describeDelegation(io: CliIo, session: NonNullable<WhoamiResponse['session']>): void {
  if (session.parent_id === undefined) return;
  if (session.chain !== undefined) writeLine(io.stdout, `chain    ${session.chain.map(sanitizeForTerminal).join(' ← ')}`);
  const resources = session.slice?.resources;
  const scopes = session.slice?.scopes;
  writeLine(io.stdout, `slice    ${resources === undefined ? 'every granted server' : resources.map(sanitizeForTerminal).join(', ')}; ${scopes === undefined ? 'every granted scope' : sanitizeForTerminal(scopes.join(' '))}`);
}

export const whoamiCommand = defineAgentCommand(
  {
    path: ['whoami'],
    usage: 'latchkey whoami [--json]',
    summary: 'Inside an agent session: show the agent, its session (a delegated one: its chain and slice) and its grants.',
    description:
      'Asks the Latchkey bridge who the caller is, using the session secret `latchkey run` put in the environment ' +
      '(LATCHKEY_SESSION) or an agent secret (LATCHKEY_AGENT_SECRET). Never opens the vault.',
    examples: ['latchkey whoami', 'latchkey run --agent claude -- latchkey whoami --json'],
    positionals: [],
    options: { json: JSON_OPTION },
  },
  parseWhoamiArgs,
  runWhoami,
);
