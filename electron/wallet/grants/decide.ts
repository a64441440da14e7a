/**
 * The policy, as one pure function (threats T09, T13): may this agent have a token for this
 * resource with these scopes, right now? No I/O, no clock: everything comes in as input.
 *
 * - A grant applies only to the same agent and the exact same canonical resource string, and only
 *   while it has not expired. Another agent's grant never counts (T09).
 * - Requested scopes default to the grant's (an empty list counts as "not given").
 * - Requested ⊆ grant → allow, or ask when the grant says "ask each time".
 * - Requested ⊄ grant → ask for exactly the requested scopes ('more-scopes'). Never more (T13).
 * - No applicable grant → ask ('no-grant').
 * - The AS could not narrow tokens to the grant → deny until the owner changes the grant.
 */
import type { AgentSummary, Grant } from '../../../shared/agents.js';
import { ErrorCode } from '../../../shared/errors.js';
import { isScopeToken, isSubset, MAX_SCOPES, uniqueScopes } from './scopes.js';

export interface DecideInput {
  agent: Pick<AgentSummary, 'id'>;
  /** `resource` must already be canonical (canonicalResource); it is matched exactly. */
  request: { resource: string; scopes?: readonly string[] | undefined };
  grants: readonly Grant[];
  /** Epoch ms. */
  now: number;
}

export type AskReason = 'no-grant' | 'ask-each-time' | 'more-scopes';

export type Decision =
  | { kind: 'allow'; grant: Grant; scopes: string[] }
  /** `scopes` is what the owner is asked for: empty for 'no-grant' without requested scopes. */
  | { kind: 'ask'; reason: AskReason; grant?: Grant; scopes: string[] }
  /** `reason` is a sentence safe to show the agent; `code` is the stable error code. */
  | { kind: 'deny'; code: ErrorCode; reason: string };

/** Whether `grant` can ever apply to this agent and resource at `now`. */
export function grantApplies(grant: Grant, agentId: string, resource: string, now: number): boolean {
  return grant.agentId === agentId && grant.resource === resource && (grant.expiresAt === undefined || grant.expiresAt > now);
}

function byAge(a: Grant, b: Grant): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function cannotNarrow(): Decision {
  return {
    kind: 'deny',
    code: ErrorCode.CannotNarrow,
    reason: "The server's authorization server cannot issue a token limited to this agent's grant. The owner must change the grant.",
  };
}

export function decide(input: DecideInput): Decision {
  const { agent, request, now } = input;
  const requested = uniqueScopes(request.scopes ?? []);
  if (requested.length > MAX_SCOPES || !requested.every(isScopeToken)) {
    return { kind: 'deny', code: ErrorCode.InvalidInput, reason: 'The requested scopes are not valid OAuth scope names.' };
  }
  const applicable = input.grants.filter((grant) => grantApplies(grant, agent.id, request.resource, now)).sort(byAge);
  if (applicable.length === 0) return { kind: 'ask', reason: 'no-grant', scopes: requested };

  const wanted = (grant: Grant): string[] => (requested.length === 0 ? uniqueScopes(grant.scopes) : requested);
  const covering = applicable.filter((grant) => isSubset(wanted(grant), grant.scopes));
  const chosen = covering.find((grant) => grant.mode === 'allow') ?? covering[0];
  if (chosen !== undefined) {
    if (chosen.narrowing === 'unsupported') return cannotNarrow();
    const scopes = wanted(chosen);
    return chosen.mode === 'allow' ? { kind: 'allow', grant: chosen, scopes } : { kind: 'ask', reason: 'ask-each-time', grant: chosen, scopes };
  }
  // Only reachable with explicit requested scopes (a grant always covers its own scopes).
  const [first] = applicable;
  return { kind: 'ask', reason: 'more-scopes', ...(first === undefined ? {} : { grant: first }), scopes: requested };
}
