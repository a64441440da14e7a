/**
 * latchkey policy export [--output FILE]
 * latchkey policy diff FILE [--json]
 * latchkey policy apply FILE [--yes] [--json]
 *
 * Grants as code: the wallet's agents, grants and allowed sites as a reviewable file (never a
 * secret), what a file would change, and applying it after the owner confirms exactly the changes
 * shown (T41). Owner verbs: refused inside an agent session like the others.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { formatPolicy, parsePolicyText, type PolicyChange, type PolicyFile, type PolicyPlan } from '../../../shared/policy.js';
import { describeChange as wordsOfChange, summarizePlan } from '../../../shared/policy-wording.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { writeLine, type CliIo } from '../io.js';
import { EXIT_FAILURE, EXIT_OK } from '../output.js';
import { readChoice } from '../prompt.js';
import { sanitizeForTerminal as inert, writeInertJson } from '../sanitize.js';
import { defineCommand, getFlag, getString, JSON_OPTION, requirePositional, type RawArgs } from '../spec.js';

const MAX_POLICY_BYTES = 1024 * 1024;
const WIDENS = '  [widens access]';

// What a plan says, as lines a reviewer reads (shared/policy-wording.ts: the window says the same).

/** One change: `+` adds, `~` changes, `-` removes (in capitals); a change that widens access is marked. */
export function describeChange(change: PolicyChange): string[] {
  const words = wordsOfChange(change);
  return [
    inert(`${words.sign} ${words.headline}${words.widens ? WIDENS : ''}`),
    ...words.details.map((detail) => inert(`      ${detail.label === undefined ? '' : `${detail.label}:`.padEnd(9)}${detail.text}`)),
  ];
}

/** The plan for a reviewer: each change, then a count of what widens and what is removed. */
export function describePlan(plan: PolicyPlan): string[] {
  if (plan.changes.length === 0) return [summarizePlan(plan)];
  return [...plan.changes.flatMap(describeChange), '', summarizePlan(plan)];
}

// Reading the file.

async function readPolicyFile(path: string): Promise<PolicyFile> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_POLICY_BYTES) throw new LatchkeyError(ErrorCode.PolicyInvalid, `${inert(path)} is larger than ${MAX_POLICY_BYTES} bytes; a policy file is not.`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw new LatchkeyError(ErrorCode.InvalidInput, `Cannot read ${inert(path)}.`, { hint: 'Write one with `latchkey policy export --output FILE`.', cause: error });
  }
  return parsePolicyText(text);
}

// latchkey policy export

export interface PolicyExportArgs {
  output?: string;
}

export async function runPolicyExport(wallet: Wallet, args: PolicyExportArgs, io: CliIo): Promise<number> {
  const file = await wallet.exportPolicy();
  const text = formatPolicy(file);
  if (args.output === undefined) {
    io.stdout.write(text);
    return EXIT_OK;
  }
  await writeFile(args.output, text, 'utf8');
  writeLine(io.stderr, `Wrote ${file.agents.length} agent${file.agents.length === 1 ? '' : 's'} and ${file.allowedSites.length} allowed site${file.allowedSites.length === 1 ? '' : 's'} to ${inert(args.output)}.`);
  return EXIT_OK;
}

export const policyExportCommand = defineCommand(
  {
    path: ['policy', 'export'],
    usage: 'latchkey policy export [--output FILE]',
    summary: 'Write your agents, their grants and allowed sites as a policy file (never a secret).',
    description:
      'The file is JSON in one stable order (agents by name, grants by server, scopes sorted), so a change in version control is the ' +
      'lines that changed. It names agents, grants (server, account, scopes, token lifetime, expiry, mode) and the sites servers may ' +
      'open without asking. It never holds a secret, a token or a hash. Sub-agents a session delegated to are not part of it.',
    examples: ['latchkey policy export --output latchkey-policy.json', 'latchkey policy export > team/agents.json'],
    positionals: [],
    options: { output: { type: 'string', short: 'o', valueName: 'FILE', description: 'Write to FILE instead of stdout.' } },
  },
  (raw: RawArgs): PolicyExportArgs => {
    const output = getString(raw.values, 'output');
    return output === undefined ? {} : { output };
  },
  runPolicyExport,
);

// latchkey policy diff

export interface PolicyFileArgs {
  file: string;
  json: boolean;
}

export async function runPolicyDiff(wallet: Wallet, args: PolicyFileArgs, io: CliIo): Promise<number> {
  const plan = await wallet.planPolicy({ policy: await readPolicyFile(args.file) });
  if (args.json) writeInertJson(io, plan);
  else for (const line of describePlan(plan)) writeLine(io.stdout, line);
  return plan.changes.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

const parseFileArgs = (raw: RawArgs): PolicyFileArgs => ({ file: requirePositional(raw, 0, 'the policy file'), json: getFlag(raw.values, 'json') });

export const policyDiffCommand = defineCommand(
  {
    path: ['policy', 'diff'],
    usage: 'latchkey policy diff FILE [--json]',
    summary: 'Show what applying a policy file would change. Exit code 0: nothing, 1: some changes.',
    description:
      'Each change is one line: + adds, ~ changes, - REMOVE removes; a change that gives an agent more than it has now (a new grant, a ' +
      'scope, a longer token lifetime, a later or no expiry, allow instead of ask, a new allowed site) is marked [widens access].',
    examples: ['latchkey policy diff latchkey-policy.json', 'latchkey policy diff latchkey-policy.json --json'],
    positionals: ['FILE'],
    options: { json: JSON_OPTION },
  },
  parseFileArgs,
  runPolicyDiff,
);

// latchkey policy apply

export interface PolicyApplyArgs extends PolicyFileArgs {
  yes: boolean;
}

async function confirmed(io: CliIo, count: number): Promise<boolean> {
  if (io.stdin.isTTY !== true) {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'Cannot ask you to confirm: stdin is not a terminal. Nothing was applied.', {
      hint: 'Review the changes with `latchkey policy diff FILE`, then run apply with --yes.',
    });
  }
  return (await readChoice(io, `Apply ${count === 1 ? 'this change' : `these ${count} changes`}? [y/N] `, ['n', 'y'])) === 'y';
}

export async function runPolicyApply(wallet: Wallet, args: PolicyApplyArgs, io: CliIo): Promise<number> {
  const policy = await readPolicyFile(args.file);
  const plan = await wallet.planPolicy({ policy });
  const shown = args.json ? io.stderr : io.stdout;
  for (const line of describePlan(plan)) writeLine(shown, line);
  if (plan.changes.length === 0) {
    if (args.json) writeInertJson(io, plan);
    return EXIT_OK;
  }
  if (!args.yes && !(await confirmed(io, plan.changes.length))) {
    writeLine(io.stderr, 'Nothing was applied.');
    return EXIT_FAILURE;
  }
  const applied = await wallet.applyPolicy({ policy, digest: plan.digest });
  if (args.json) writeInertJson(io, applied);
  writeLine(io.stderr, `Applied ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'}; each is in the audit log as yours.`);
  for (const change of applied.changes) {
    if (change.kind !== 'agent.add') continue;
    writeLine(io.stderr, `Agent ${inert(change.agent)} has no secret of its own: run it with \`latchkey run --agent ${inert(change.agent)} -- <command>\`.`);
  }
  return EXIT_OK;
}

export const policyApplyCommand = defineCommand(
  {
    path: ['policy', 'apply'],
    usage: 'latchkey policy apply FILE [--yes] [--json]',
    summary: 'Make the wallet match a policy file, after you confirm the changes it shows.',
    description:
      'Shows every change as `latchkey policy diff` does, removals and widenings marked, and asks you to confirm in the terminal ' +
      '(--yes: you reviewed them already). Only the changes shown are made: if the wallet changed in between, nothing is applied ' +
      '(policy.stale). Each change is made and audited as if you made it by hand. An agent the file adds gets no secret printed ' +
      'anywhere: run it with `latchkey run --agent NAME`, or remove it and enrol it with `latchkey agent add` for a secret of its own.',
    examples: ['latchkey policy apply latchkey-policy.json', 'latchkey policy apply latchkey-policy.json --yes'],
    positionals: ['FILE'],
    options: { yes: { type: 'boolean', short: 'y', description: 'Apply without asking (you reviewed the diff).' }, json: JSON_OPTION },
  },
  (raw: RawArgs): PolicyApplyArgs => ({ ...parseFileArgs(raw), yes: getFlag(raw.values, 'yes') }),
  runPolicyApply,
);
