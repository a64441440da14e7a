/**
 * `latchkey enrol <name>`: a program that has no agent secret yet asks the owner to enrol it.
 * The request goes over the bridge's Unix socket only (T32: the owner's prompt shows this process's
 * pid, program and working directory) and waits there as an approval; once the owner approves,
 * the secret is printed on stdout (once). Never opens the vault.
 */
import { AgentName } from '../../../shared/agents.js';
import { enrolmentSocket, requestEnrolment, locateBridge } from '../../agent/bridge-client/client.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_OK } from '../output.js';
import { sanitizeForTerminal, writeInertJson } from '../sanitize.js';
import { defineAgentCommand, getFlag, JSON_OPTION, type CommandContext, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';
import { formatTimeLeft } from '../waiting-line.js';

/** How long to wait for the owner (the daemon's own approval timeout usually ends it first). */
const ENROL_WAIT_MS = 10 * 60_000;

interface EnrolArgs {
  name: string;
  kind: 'interactive' | 'autonomous' | undefined;
  json: boolean;
}

function parseEnrolArgs(raw: RawArgs): EnrolArgs {
  const name = raw.positionals[0] ?? '';
  if (!AgentName.safeParse(name).success) {
    throw new UsageError(`"${sanitizeForTerminal(name)}" is not a valid agent name.`, 'Use letters, digits, dot, dash and underscore, starting with a letter or digit.');
  }
  const kind = raw.values['kind'];
  if (kind !== undefined && kind !== 'interactive' && kind !== 'autonomous') throw new UsageError('--kind is interactive or autonomous.');
  return { name, kind, json: getFlag(raw.values, 'json') };
}

/**
 * Said once, when the request is sent: the request has no credential to watch its approval with
 * (GET /v1/approvals/pending needs one), so the line names what it waits for, where the owner
 * decides and, when the daemon's discovery file says, the longest it waits.
 */
export function enrolWaitingLine(name: string, approvalTimeoutMs: number | undefined): string {
  const upTo = approvalTimeoutMs === undefined ? '' : ` — up to ${formatTimeLeft(approvalTimeoutMs / 1000, 0)}`;
  return sanitizeForTerminal(
    `latchkey enrol: waiting for the owner to approve enrolling "${name}": decide in the Latchkey window or with ` +
      `\`latchkey approvals\` and \`latchkey approve <id>\`${upTo}`,
  );
}

async function runEnrol(args: EnrolArgs, io: CliIo, context: CommandContext): Promise<number> {
  const location = locateBridge(context.env);
  enrolmentSocket(location); // only the Unix socket enrols: say so before claiming to have asked
  writeLine(io.stderr, enrolWaitingLine(args.name, location.approvalTimeoutMs));
  const enrolled = await requestEnrolment(location, { name: args.name, ...(args.kind === undefined ? {} : { kind: args.kind }) }, ENROL_WAIT_MS);
  if (args.json) {
    writeInertJson(io, enrolled);
  } else {
    writeLine(io.stderr, `Enrolled as ${sanitizeForTerminal(enrolled.name)} (${sanitizeForTerminal(enrolled.agent_id)}). Store the secret now; it is not shown again.`);
    writeLine(io.stdout, enrolled.secret);
  }
  return EXIT_OK;
}

export const enrolCommand = {
  ...defineAgentCommand(
    {
      path: ['enrol'],
      usage: 'latchkey enrol <name> [--kind interactive|autonomous] [--json]',
      summary: 'For a program without a secret: ask the owner to enrol it as an agent.',
      description:
        'Sends an enrolment request to the running daemon over its Unix socket (never TCP), which shows it to the owner ' +
        'as an approval naming this process (pid, program, working directory). Run it as the user who runs Latchkey. ' +
        'When the owner approves, the new agent\'s secret is printed on stdout, once. Without approval ' +
        'in time the request is denied.',
      examples: ['latchkey enrol nightly-report > ~/.config/nightly-report/latchkey-secret'],
      positionals: ['name'],
      options: {
        kind: { type: 'string', valueName: 'KIND', description: 'interactive (the default) or autonomous.' },
        json: JSON_OPTION,
      },
    },
    parseEnrolArgs,
    runEnrol,
  ),
  // Enrolment is for callers without a secret: it always runs in agent mode (no vault).
  prepareAgent: (raw: RawArgs) => {
    const args = parseEnrolArgs(raw);
    return (io: CliIo, context: CommandContext) => runEnrol(args, io, context);
  },
};
