/**
 * Agent mode: a `latchkey` started by an agent (inside `latchkey run`, or with its own agent
 * secret) asks the bridge instead of opening the vault. The secret comes from the environment
 * only (never argv: T17); the bridge location from the environment or the discovery file.
 */
import { ENV_AGENT_SECRET, ENV_SESSION_SECRET } from '../../shared/bridge-names.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { WaitingListener } from '../agent/bridge-client/approval-watch.js';
import type { BridgeClient } from '../agent/bridge-client/client.js';

/** The session secret (`latchkey run`) wins over an agent's own secret. */
export function agentSecretFrom(env: NodeJS.ProcessEnv): string | undefined {
  for (const name of [ENV_SESSION_SECRET, ENV_AGENT_SECRET]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** `${LATCHKEY_SESSION}`, `${env:LATCHKEY_SESSION}` or `$LATCHKEY_SESSION` as written in an MCP config: a reference (no secret starts with `$`). */
function isUnexpandedReference(value: string): boolean {
  return value.startsWith('$');
}

function unexpandedSecret(name: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.UnexpandedSecret, `${name} holds a variable reference, not a secret: the MCP host did not expand it.`, {
    hint:
      `Start the MCP host under \`latchkey run --agent NAME -- <host>\` so ${ENV_SESSION_SECRET} is set in its environment, and write the reference ` +
      'the way the host expands it (Claude Code: "${LATCHKEY_SESSION}"; Cursor and VS Code: "${env:LATCHKEY_SESSION}"); ' +
      `or set ${ENV_AGENT_SECRET} in the host's MCP config to the secret \`latchkey agent add\` printed.`,
    details: { variable: name },
  });
}

/** Throws UnexpandedSecret when the secret in use is a variable reference the MCP host passed on as text. */
export function assertExpandedSecret(env: NodeJS.ProcessEnv): void {
  for (const name of [ENV_SESSION_SECRET, ENV_AGENT_SECRET]) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    if (isUnexpandedReference(value)) throw unexpandedSecret(name);
    return;
  }
}

/**
 * Owner commands refuse to run with an agent or session secret in the environment (an agent that
 * can run `latchkey approve` would approve its own requests). Checked before anything opens the
 * vault or asks for its passphrase, so the answer is the same whatever the vault mode.
 */
export function assertOwnerContext(env: NodeJS.ProcessEnv): void {
  if ((env[ENV_SESSION_SECRET] ?? '') === '' && (env[ENV_AGENT_SECRET] ?? '') === '') return;
  throw new LatchkeyError(ErrorCode.OwnerCommandInSession, 'Owner commands cannot run inside an agent session.', {
    hint: 'Run this from your own terminal, not from a process started by `latchkey run` (or with LATCHKEY_AGENT_SECRET set).',
  });
}

export function isAgentMode(env: NodeJS.ProcessEnv): boolean {
  return agentSecretFrom(env) !== undefined;
}

export interface AgentBridgeOptions {
  timeoutMs?: number;
  /** Told which approvals the agent waits for (announceWaiting prints them on stderr). */
  onWaiting?: WaitingListener;
}

/** A bridge client for the agent in this environment; throws NotInSession without a secret, UnexpandedSecret for a `${…}` one. */
export async function connectAgentBridge(env: NodeJS.ProcessEnv, options: AgentBridgeOptions = {}): Promise<BridgeClient> {
  const secret = agentSecretFrom(env);
  if (secret === undefined) {
    throw new LatchkeyError(ErrorCode.NotInSession, 'This command runs for an agent, and no agent secret is set.', {
      hint: `Start the agent with "latchkey run --agent NAME -- <command>", or set ${ENV_AGENT_SECRET} to the secret "latchkey agent add" printed.`,
    });
  }
  assertExpandedSecret(env);
  // Loaded here, not with this module: every CLI start checks the owner context, few ask the bridge.
  const { createBridgeClient, locateBridge } = await import('../agent/bridge-client/client.js');
  const location = locateBridge(env);
  return createBridgeClient({
    ...location,
    secret,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onWaiting === undefined ? {} : { onWaiting: options.onWaiting }),
  });
}
