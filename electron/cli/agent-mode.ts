/**
 * Agent mode: a `latchkey` started by an agent (inside `latchkey run`, or with its own agent
 * secret) asks the bridge instead of opening the vault. The secret comes from the environment
 * only (never argv: T17); the bridge location from the environment or the discovery file.
 */
import { ENV_AGENT_SECRET, ENV_SESSION_SECRET } from '../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { WaitingListener } from '../core/bridge/approval-watch.js';
import { createBridgeClient, locateBridge, type BridgeClient } from '../core/bridge/client.js';

/** The session secret (`latchkey run`) wins over an agent's own secret. */
export function agentSecretFrom(env: NodeJS.ProcessEnv): string | undefined {
  for (const name of [ENV_SESSION_SECRET, ENV_AGENT_SECRET]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

export function isAgentMode(env: NodeJS.ProcessEnv): boolean {
  return agentSecretFrom(env) !== undefined;
}

export interface AgentBridgeOptions {
  timeoutMs?: number;
  /** Told which approvals the agent waits for (announceWaiting prints them on stderr). */
  onWaiting?: WaitingListener;
}

/** A bridge client for the agent in this environment; throws NotInSession without a secret. */
export async function connectAgentBridge(env: NodeJS.ProcessEnv, options: AgentBridgeOptions = {}): Promise<BridgeClient> {
  const secret = agentSecretFrom(env);
  if (secret === undefined) {
    throw new LatchkeyError(ErrorCode.NotInSession, 'This command runs for an agent, and no agent secret is set.', {
      hint: `Start the agent with "latchkey run --agent NAME -- <command>", or set ${ENV_AGENT_SECRET} to the secret "latchkey agent add" printed.`,
    });
  }
  const location = await locateBridge(env);
  return createBridgeClient({
    ...location,
    secret,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onWaiting === undefined ? {} : { onWaiting: options.onWaiting }),
  });
}
