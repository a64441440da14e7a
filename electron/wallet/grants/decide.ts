/**
 * The policy, as pure functions (threats T09, T13): what to do with one agent's token request.
 * No I/O, no clock: everything comes in as input, and the answer is the whole plan the broker
 * executes — refuse (with the code), ask the owner (consent or step-up, with what to show and what
 * to remember), or issue (the narrowed scopes, the grant whose lifetime cap applies, the cache key).
 *
 * - A grant applies only to the same agent, the exact same canonical resource string and the same
 *   account (protocol.md T8), and only while it has not expired. Another agent's grant never counts
 *   (T09), nor one for another account of the server.
 * - Requested scopes default to the grant's (an empty list counts as "not given"); with none
 *   asked for, the token carries what both the grant and the connection allow.
 * - Requested ⊆ grant → issue, or ask when the grant says "ask each time".
 * - Requested ⊄ grant → ask for exactly the requested scopes ('more-scopes'). Never more (T13).
 * - No applicable grant → ask ('no-grant'), unless the owner revoked this agent's grant for the
 *   server since the caller's session began (or, without a session, at all): then refused
 *   (grant.revoked) without asking — the owner has just said no.
 * - The connection lacks a scope the token needs → one step-up approval (also the consent), unless
 *   the owner declined a scope new in it before for this agent (then refused without asking).
 * - The AS could not narrow tokens to the grant → refuse until the owner changes the grant.
 */
import { MAX_TOKEN_LIFETIME_SECONDS, type AgentSummary, type Grant } from '../../../shared/agents.js';
import { ErrorCode } from '../../../shared/errors.js';
import { isScopeToken, isSubset, MAX_SCOPES, uniqueScopes } from './scopes.js';

/** A cached agent token is handed out again only with at least this much life left. */
export const MIN_HANDOUT_TTL_MS = 30_000;
/** The shortest maximum lifetime a remembered grant gets. */
const MIN_REMEMBERED_LIFETIME_SECONDS = 60;

export interface DecideInput {
  agent: Pick<AgentSummary, 'id' | 'name'>;
  /** `resource` must already be canonical (canonicalResource); it and the account (T8; absent: the default one) are matched exactly. */
  request: { resource: string; account?: string | undefined; scopes?: readonly string[] | undefined };
  grants: readonly Grant[];
  /** The owner's connection to the resource (undefined: not connected). */
  connection: ConnectionState | undefined;
  /** Scopes the owner declined in step-ups for this agent and resource; undefined: this wallet cannot step up. */
  declinedStepUps: readonly string[] | undefined;
  /** The owner revoked a grant of this agent for this server and account since the caller's session began (broker/owner-revocations.ts). */
  revokedByOwner?: boolean | undefined;
  /** Epoch ms. */
  now: number;
}

/**
 * What the plan needs of the connection. Its issuer is part of every cache key, so a token from an
 * issuer the server moved away from is never handed out again; one that needs a new sign-in reuses
 * no cached token at all.
 */
export interface ConnectionState {
  scopes: readonly string[];
  tokenLifetimeSeconds?: number | undefined;
  issuer?: string | undefined;
  status?: 'ok' | 'needs-reauth' | undefined;
  /** 'open-until-401': the server answers without a token and nobody has signed in (T9): there is no token to narrow. */
  access?: 'open-until-401' | undefined;
}

/** `reason` is a sentence safe to show the agent; `code` is the stable error code. */
export interface Refusal {
  kind: 'refuse';
  code: ErrorCode;
  reason: string;
  hint?: string;
  details?: Record<string, string>;
}

export interface Issue {
  kind: 'issue';
  /** Exactly what the token is minted with. */
  scopes: string[];
  /** The grant it is issued under: its maximum token lifetime is enforced, its narrowing noted. */
  grant?: Grant;
  /** One cached token per (agent, resource, account, connection issuer, scope set). */
  cacheKey: string;
  /** A cached token is reused only when it lives at least this much longer. */
  minRemainingMs: number;
  /** False when the connection needs a new sign-in: nothing cached is handed out. */
  reuseCached: boolean;
}

export type AskReason = 'no-grant' | 'ask-each-time' | 'more-scopes';

export interface ConsentAsk {
  kind: 'consent';
  reason: AskReason;
  scopes: string[];
  /** The lifetime shown to the owner: the grant's maximum, or the server's own. */
  lifetimeSeconds?: number;
}

export interface StepUpAsk {
  kind: 'step-up';
  /** What the agent can use now: its grant's scopes the connection holds. */
  currentScopes: string[];
  /** What it will hold after: its grant's scopes and the requested ones. */
  scopes: string[];
  /** The scopes new for this agent: shown as new, remembered on a decline. */
  newScopes: string[];
  /** What the connection is re-authorized with: what it holds and the requested scopes. */
  connectionScopes: string[];
  /** When every new scope is already in the grant: the scopes a plain reconnect would need. */
  reconnect?: string[];
}

/** How the agent's grant changes after the owner approves: created, or widened to `scopes`. */
export interface GrantChange {
  /** 'approved': on any approval (a step-up is consent); 'remembered': only when the owner ticked "remember". */
  when: 'approved' | 'remembered';
  scopes: string[];
  /** Kept ('keep') or set to allow: a remembered consent stops asking each time. */
  mode: 'keep' | 'allow';
  /** For a new grant: the old grant's maximum, clamped. */
  maxTokenLifetimeSeconds?: number;
}

export interface Ask {
  kind: 'ask';
  ask: ConsentAsk | StepUpAsk;
  grantChange?: GrantChange;
  /** What is issued once the owner approves (settle() checks it against the new state). */
  then: { scopes: string[]; grant?: Grant; agentId: string; resource: string; account?: string | undefined };
}

/** The connection's issuer and status as far as the cache is concerned. */
type CacheState = Pick<ConnectionState, 'issuer' | 'status'>;

export type Plan = Refusal | Issue | Ask;

/** Whether `grant` can ever apply to this agent and resource (any of its accounts) at `now`. */
export function grantApplies(grant: Grant, agentId: string, resource: string, now: number): boolean {
  return grant.agentId === agentId && grant.resource === resource && (grant.expiresAt === undefined || grant.expiresAt > now);
}

/** Whether `grant` applies to this agent, resource and account (T8: exactly; absent is the default account) at `now`. */
export function grantAppliesTo(grant: Grant, agentId: string, target: { resource: string; account?: string | undefined }, now: number): boolean {
  return grantApplies(grant, agentId, target.resource, now) && grant.account === target.account;
}

/**
 * The next moment one of `grants` stops applying (Infinity: none expires): the only way time
 * changes what decide plans from them, so a plan made now holds until then.
 */
export function firstExpiry(grants: readonly Grant[], now: number): number {
  let first = Number.POSITIVE_INFINITY;
  for (const grant of grants) if (grant.expiresAt !== undefined && grant.expiresAt > now && grant.expiresAt < first) first = grant.expiresAt;
  return first;
}

/** The scopes of `wanted` that `held` lacks, in order. */
export function missingScopes(held: readonly string[], wanted: readonly string[]): string[] {
  return [...new Set(wanted)].filter((scope) => !held.includes(scope));
}

export function decide(input: DecideInput): Plan {
  const { agent, request, now, connection } = input;
  const { resource, account } = request;
  if (connection === undefined) {
    const as = account === undefined ? '' : ` as account "${account}"`;
    return refusal(ErrorCode.NotConnected, `The owner has not connected Latchkey to ${resource}${as}.`, `The owner runs: latchkey connect ${resource}${account === undefined ? '' : ` --account ${account}`}`);
  }
  const requested = uniqueScopes(request.scopes ?? []);
  if (requested.length > MAX_SCOPES || !requested.every(isScopeToken)) {
    return refusal(ErrorCode.InvalidInput, 'The requested scopes are not valid OAuth scope names.');
  }
  // A grant for another account of the same server never applies (T8).
  const applicable = input.grants.filter((grant) => grantAppliesTo(grant, agent.id, request, now)).sort(byAge);
  if (applicable.length === 0 && input.revokedByOwner === true) {
    return refusal(
      ErrorCode.GrantRevoked,
      `The owner revoked ${agent.name}'s access to ${resource}.`,
      `Only the owner can give it back: latchkey grant add ${agent.name} ${resource} --scope …; an agent session started after the revoke may ask again.`,
    );
  }
  const grantChoice = chooseGrant(applicable, requested);
  if (grantChoice.kind === 'refuse') return grantChoice;
  if (connection.access === 'open-until-401') return openConnectionRefusal(resource, connection.status);
  const { grant, reason } = grantChoice;
  const held = connection.scopes;
  // With no scopes asked for: what both the grant and the connection allow, at once. Only scopes the
  // agent names (or a grant sharing none with the connection) can raise a step-up.
  const named = requested.length > 0 ? requested : grant !== undefined ? uniqueScopes(grant.scopes) : [...held];
  const scopes = requested.length === 0 ? usableScopes(named, held) : named;
  const then = { scopes, agentId: agent.id, resource, ...(account === undefined ? {} : { account }), ...(grant === undefined ? {} : { grant }) };
  const lifetime = grant?.maxTokenLifetimeSeconds;
  const remembered = {
    scopes,
    ...(lifetime === undefined ? {} : { maxTokenLifetimeSeconds: clampLifetime(lifetime) }),
  };

  if (missingScopes(held, scopes).length > 0) {
    if (input.declinedStepUps === undefined) return refusal(ErrorCode.StepUpDeclined, 'This wallet cannot widen its connections for agents.');
    const ask = stepUpAsk(held, grant?.scopes ?? [], scopes);
    if (ask.newScopes.some((scope) => input.declinedStepUps?.includes(scope) === true)) return stepUpDeclined(agent.name, resource, ask, 'before');
    // Approving a step-up is consent for this agent: its grant is widened to what was approved.
    const covered = grant !== undefined && isSubset(scopes, grant.scopes);
    return { kind: 'ask', ask, ...(covered ? {} : { grantChange: { when: 'approved', mode: 'keep', ...remembered } }), then };
  }
  if (reason !== undefined) {
    const shown = lifetime ?? connection.tokenLifetimeSeconds;
    const ask: ConsentAsk = { kind: 'consent', reason, scopes, ...(shown === undefined ? {} : { lifetimeSeconds: shown }) };
    return { kind: 'ask', ask, grantChange: { when: 'remembered', mode: 'allow', ...remembered }, then };
  }
  return issue(then, grant, held, connection);
}

/**
 * After the owner approved: the grant as it is now (undefined: the planned one), what the
 * connection holds now and its issuer and status now (the wait may have outlasted a move). A
 * grant the AS cannot narrow gets only tokens equal to the connection's.
 */
export function settle(plan: Ask, now: { grant: Grant | undefined; held: readonly string[]; connection?: CacheState | undefined }): Issue | Refusal {
  return issue(plan.then, now.grant ?? plan.then.grant, now.held, now.connection ?? {});
}

function issue({ scopes, agentId, resource, account }: Ask['then'], grant: Grant | undefined, held: readonly string[], connection: CacheState): Issue | Refusal {
  if (grant !== undefined && grant.narrowing === 'unsupported' && !sameScopes(scopes, held)) {
    return refusal(ErrorCode.CannotNarrow, "The server's authorization server cannot issue a token limited to this grant.", "The owner can widen the grant to the connection's scopes with `latchkey grant edit`.");
  }
  return {
    kind: 'issue',
    scopes,
    ...(grant === undefined ? {} : { grant }),
    cacheKey: `${agentId}\n${resource}\n${account ?? ''}\n${connection.issuer ?? ''}\n${[...scopes].sort().join(' ')}`,
    minRemainingMs: MIN_HANDOUT_TTL_MS,
    reuseCached: connection.status !== 'needs-reauth',
  };
}

/** The refusal of a step-up the owner declined (before, just now, or on the AS's sign-in page). */
export function stepUpDeclined(agentName: string, resource: string, ask: StepUpAsk, when: 'before' | 'now' | 'at-sign-in'): Refusal {
  const what = `more access to ${resource} (${ask.newScopes.join(' ')}) for ${agentName}`;
  const message =
    when === 'before'
      ? `The owner declined ${what} before; Latchkey does not ask again.`
      : when === 'now'
        ? `The owner declined ${what}.`
        : `The owner declined ${what} on the sign-in page.`;
  // Adding to the grant scopes it already names changes nothing: the connection must hold them.
  const hint =
    ask.reconnect !== undefined
      ? `Carry on without it. The owner can re-authorize the connection with them: latchkey connect ${resource} --scope "${ask.reconnect.join(' ')}"`
      : "Carry on without it. The owner can add these scopes to the agent's grant by hand, which lets it ask again.";
  return { ...refusal(ErrorCode.StepUpDeclined, message, hint), details: { resource } };
}

/**
 * The one step-up approval about this agent: what it can use now → what it holds after. Every
 * scope it gains is new, including one its grant names but the connection lacks.
 */
function stepUpAsk(held: readonly string[], agentScopes: readonly string[], requested: readonly string[]): StepUpAsk {
  const currentScopes = agentScopes.filter((scope) => held.includes(scope));
  const newScopes = missingScopes(currentScopes, requested);
  const reconnect = newScopes.every((scope) => agentScopes.includes(scope)) ? [...new Set([...held, ...newScopes])] : undefined;
  return {
    kind: 'step-up',
    currentScopes,
    scopes: [...new Set([...agentScopes, ...requested])],
    newScopes,
    connectionScopes: [...new Set([...held, ...requested])],
    ...(reconnect === undefined ? {} : { reconnect }),
  };
}

/** The applicable grant to issue under, and why the owner must be asked (undefined: no need). */
function chooseGrant(applicable: readonly Grant[], requested: readonly string[]): Refusal | { kind: 'grant'; grant?: Grant; reason?: AskReason } {
  if (applicable.length === 0) return { kind: 'grant', reason: 'no-grant' };
  const wanted = (grant: Grant): readonly string[] => (requested.length === 0 ? grant.scopes : requested);
  const covering = applicable.filter((grant) => isSubset(wanted(grant), grant.scopes));
  const chosen = covering.find((grant) => grant.mode === 'allow') ?? covering[0];
  if (chosen !== undefined) {
    if (chosen.narrowing === 'unsupported') {
      return refusal(ErrorCode.CannotNarrow, "The server's authorization server cannot issue a token limited to this agent's grant. The owner must change the grant.");
    }
    return chosen.mode === 'allow' ? { kind: 'grant', grant: chosen } : { kind: 'grant', grant: chosen, reason: 'ask-each-time' };
  }
  // Only reachable with explicit requested scopes (a grant always covers its own scopes).
  const [first] = applicable;
  return { kind: 'grant', ...(first === undefined ? {} : { grant: first }), reason: 'more-scopes' };
}

/** T9: an open connection has no token to hand out; once the server asked for one, the owner signs in first. */
function openConnectionRefusal(resource: string, status: ConnectionState['status']): Refusal {
  if (status === 'needs-reauth') {
    return refusal(ErrorCode.NeedsReauth, `${resource} now asks for a sign-in; the owner has not signed in yet.`, `The owner signs in: latchkey connect ${resource}`);
  }
  return refusal(ErrorCode.NoSignInNeeded, `${resource} answers without a token; there is none to hand out.`, 'Send requests to it without Authorization.');
}

function refusal(code: ErrorCode, reason: string, hint?: string): Refusal {
  return { kind: 'refuse', code, reason, ...(hint === undefined ? {} : { hint }) };
}

function byAge(a: Grant, b: Grant): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function clampLifetime(seconds: number): number {
  return Math.min(MAX_TOKEN_LIFETIME_SECONDS, Math.max(MIN_REMEMBERED_LIFETIME_SECONDS, Math.round(seconds)));
}

/** The scopes of `wanted` that `held` holds; all of `wanted` when it holds none (then a step-up asks). */
function usableScopes(wanted: readonly string[], held: readonly string[]): string[] {
  const usable = wanted.filter((scope) => held.includes(scope));
  return usable.length > 0 ? usable : [...wanted];
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s) => b.includes(s));
}
