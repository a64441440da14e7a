/**
 * The token broker: what happens when a local agent asks the bridge for a token. It only executes
 * the plan grants/decide.ts makes:
 *   authenticate (the enrolled secret is the identity) → plan (decide) → ask the owner if the plan
 *   says so (bounded, one prompt per agent and server), then settle the plan → mint a token
 *   narrowed to the plan's scopes (never a refresh token) → audit every step.
 * It answers the bridge for enrolled agents (enrolment is the EnrolmentDesk's); the bridge server owns HTTP and its defences.
 * The steps live beside it: owner-consent.ts (asking the owner), step-up.ts, mint-for-agent.ts
 * (cache, mint, lifetime), heed-refusal.ts (a 401 reported), own-client.ts, dpop-proofs.ts,
 * whoami-answer.ts.
 */
import type { AgentSummary, Grant } from '../../../shared/agents.js';
import type { DpopProofRequest, DpopProofResponse, ElicitationRequest, ElicitationResponse, PendingApprovalsResponse, TokenRequest, TokenResponse, WhoamiResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { UrlPolicy } from '../../../shared/url.js';
import type { Clock, Logger } from '../../base/ports.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { GrantPatch, GrantStore } from '../grants/grant-store.js';
import { accountOf, connectionKey, type ConnectionRef } from '../connections/accounts.js';
import { accountTarget, connectionStateOf } from './account-target.js';
import { decide, firstExpiry, grantAppliesTo, missingScopes, settle, type Ask, type Issue, type Refusal, type StepUpAsk } from '../grants/decide.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';
import type { AuditInput, AuditLog } from '../audit/audit-log.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import type { RememberedAnswers } from '../elicitation/remembered-answers.js';
import { pendingApprovalsFor } from './pending-approvals.js';
import { refusalError, stepUpForAgent } from './step-up.js';
import { signalOf, type BridgeCaller, type BridgeHandler, type BridgeRejection, type CallerPresence } from '../bridge/handler.js';
import { OwnerRevocations } from './owner-revocations.js';
import { AgentTokenCache } from './agent-token-cache.js';
import { NONE_REVOKED, revokeCachedTokens, type TokensRevoked } from './revoke-tokens.js';
import type { AgentClientTokens } from '../identities/agent-client-tokens.js';
import { handOutFromOwnClient } from './own-client.js';
import { boundedScopes, chainOf } from './session-bounds.js';
import { TokenFactsMemo } from './token-facts.js';
import { agentProof } from './dpop-proofs.js';
import { askOwnerConsent, changeGrant, type OwnerConsentDeps } from './owner-consent.js';
import { handOutToAgent, type Mint, type MintForAgentDeps } from './mint-for-agent.js';
import { heedRefusal, type HeedRefusalDeps } from './heed-refusal.js';
import { whoamiAnswer } from './whoami-answer.js';
import { SessionExchange } from './session-exchange.js';
import { CanonicalResources } from './canonical-resources.js';
import { PlanMemo, planKey, type KeptPlan } from './plan-memo.js';
import { IssuedRecords } from './issued-records.js';

/** What the broker answers for the bridge: everything but enrolment (the enrolment desk's). */
export type AgentRequests = Omit<BridgeHandler, 'enrol' | 'delegate'>;

export const DEFAULT_APPROVAL_TIMEOUT_MS = 2 * 60_000;

/** A grant the owner revoked and what came of revoking its agent's tokens at the AS. */
export interface RevokedGrant {
  grant: Grant;
  tokens: TokensRevoked;
}

/** An agent the owner removed and the grants that went with it. */
export interface RemovedAgent {
  agent: AgentSummary;
  grants: RevokedGrant[];
}

export interface TokenBrokerDeps {
  agents: AgentRegistry;
  grants: GrantStore;
  approvals: ApprovalQueue;
  audit: AuditLog;
  /** The connection's record (read once per request) and agent tokens minted from it. */
  tokens: Pick<ConnectionTokens, 'connection' | 'resolve' | 'mint' | 'revokeAgentToken' | 'proof' | 'configFor'>;
  /** Step-ups (a connection re-authorized with more scopes), and agents' tokens refused with 401. */
  connections: Pick<ConnectionService, 'widen' | 'agentRefused'>;
  policy: UrlPolicy;
  clock: Clock;
  logger: Logger;
  /** Handles URL elicitations (owner decides, the Opener opens); without it they are refused. */
  elicitations?: Pick<BridgeHandler, 'elicit'>;
  /** Declined step-ups (agent, resource, scopes); without it step-ups are refused. */
  remembered?: RememberedAnswers;
  /** Agents' own clients (R5): a resource one is set up for is served from it, not from a connection. */
  agentClients?: Pick<AgentClientTokens, 'has' | 'token' | 'forget' | 'list' | 'holds' | 'proof'>;
  approvalTimeoutMs?: number;
  /**
   * The wallet's state as one value that is replaced whenever any of it changes: the vault document
   * (grants, connections, agents, agents' clients and remembered answers all live in it). With it,
   * a repeated request's plan is kept while it stays the same (plan-memo.ts); without it, every
   * request is planned afresh.
   */
  planState?: () => object;
}

export class TokenBroker implements AgentRequests {
  private readonly cache = new AgentTokenCache();
  /** The audit's facts of tokens handed out, once per token. */
  private readonly tokenFacts = new TokenFactsMemo();
  /** Hand-outs' `token.issued` records, once per plan and token. */
  private readonly issuedRecords = new IssuedRecords<KeptPlan>((planned, token) => this.issuedRecord(planned, token));
  /** Grants the owner revoked: the agent is refused at once rather than asking the owner again (owner-revocations.ts). */
  private readonly revocations = new OwnerRevocations();
  /** Plans of repeated requests, kept while nothing they read has changed (plan-memo.ts). */
  private readonly plans = new PlanMemo();
  /** Delegated sessions' tokens by token exchange where the server offers it (session-exchange.ts). */
  private readonly exchange: SessionExchange;
  /** Requested server URLs, canonicalised once each (T07: matched exactly, as canonicalResource says). */
  private readonly resources: CanonicalResources;
  /** What every hand-out uses (mint-for-agent.ts), made once rather than per request. */
  private readonly handOutDeps: MintForAgentDeps;
  /** An agent's token as a narrowed refresh of the connection's (T5). */
  private readonly mintNarrowed: Mint;

  constructor(private readonly deps: TokenBrokerDeps) {
    this.exchange = new SessionExchange({ tokens: deps.tokens, cache: this.cache, logger: deps.logger, now: () => deps.clock.now() });
    this.resources = new CanonicalResources(deps.policy);
    this.handOutDeps = { cache: this.cache, grants: deps.grants, tokens: deps.tokens, logger: deps.logger, now: () => deps.clock.now() };
    this.mintNarrowed = (ref, scopes) => deps.tokens.mint(ref, scopes);
  }

  authenticate(secret: string): BridgeCaller | undefined {
    const caller = this.deps.agents.authenticate(secret);
    if (caller !== undefined) this.deps.agents.touch(caller.agent.id);
    return caller;
  }

  /** Plans the answer (grants/decide.ts), asks the owner if the plan says so, mints, audits. */
  async token(caller: BridgeCaller, request: TokenRequest, waitFor: AbortSignal | CallerPresence): Promise<TokenResponse> {
    const { agent } = caller;
    let resource: string;
    try {
      resource = this.resources.of(request.resource);
    } catch (error) {
      await this.refuse(auditedCaller(caller), undefined, request.scopes, error);
      throw error;
    }
    const agentClients = this.deps.agentClients;
    if (request.account === undefined && agentClients?.has(agent.id, resource) === true) {
      // R5: the agent's own client serves this resource (own-client.ts); no owner connection.
      const deps = { grants: this.deps.grants, agentClients, now: () => this.deps.clock.now(), record: (event: AuditInput) => this.record(event), lineage: (id: string) => this.deps.agents.lineage(id) };
      const base = auditedCaller(caller);
      return handOutFromOwnClient(deps, caller, base, resource, request).catch(async (error: unknown) => {
        await this.refuse(base, resource, request.scopes, error);
        throw error;
      });
    }
    try {
      // A reported refusal is never answered from a kept plan (heed-refusal.ts checks it first).
      const memoKey = request.rejected === undefined ? this.planKeyOf(caller, resource, request) : undefined;
      const planned = (memoKey === undefined ? undefined : this.keptPlan(memoKey)) ?? (await this.plan(caller, resource, request, waitFor, memoKey));
      const token = await this.handOut(agent.id, planned);
      const { grant } = planned.plan;
      if (grant !== undefined) this.deps.grants.markUsed(grant.id);
      await this.record(this.issuedRecords.of(planned, token));
      return token;
    } catch (error) {
      const base = auditedCaller(caller);
      await this.refuse(request.account === undefined ? base : { ...base, account: request.account }, resource, request.scopes, error);
      throw error;
    }
  }

  /** The `token.issued` record of a hand-out under `planned` (issued-records.ts keeps it while plan and token stay the same). */
  private issuedRecord({ audited, lineage, target }: KeptPlan, token: TokenResponse): AuditInput {
    const { owner, fingerprint } = this.tokenFacts.of(token.access_token);
    return {
      type: 'token.issued',
      ...audited,
      chain: chainOf(audited['agentName'] ?? '', lineage),
      ...(owner === undefined ? {} : { owner }),
      ...(this.exchange.wasExchanged(token.access_token) ? { reason: 'token-exchange' } : {}),
      resource: target.resource,
      scopes: token.scope.split(' ').filter((s) => s !== ''),
      outcome: 'ok',
      tokenFingerprint: fingerprint,
      tokenExpiresAt: token.expires_at * 1000,
    };
  }

  /**
   * The plan kept under `memoKey` (plan-memo.ts), while nothing it read has changed; the agent's
   * own client (R5) is looked up before it, and so always served afresh.
   */
  private keptPlan(memoKey: string): KeptPlan | undefined {
    const state = this.deps.planState?.();
    if (state === undefined) return undefined;
    return this.plans.get(memoKey, state, this.revocations.version, this.deps.clock.now());
  }

  /**
   * Plans the answer (grants/decide.ts) and asks the owner if the plan says so; a plan that issues
   * at once is kept under `memoKey` (plan-memo.ts; undefined: not kept) until a grant it read expires.
   */
  private async plan(caller: BridgeCaller, resource: string, request: TokenRequest, waitFor: AbortSignal | CallerPresence, memoKey: string | undefined): Promise<KeptPlan> {
    const { agent, session } = caller;
    if (request.rejected !== undefined) await heedRefusal(this.refusalDeps(), agent.id, resource, request.account, request.rejected, signalOf(waitFor));
    // Read before planning, in the same turn: the plan is made from exactly this state.
    const state = this.deps.planState?.();
    const revocations = this.revocations.version;
    const now = this.deps.clock.now();
    const target = this.targetOf(agent.id, resource, request.account);
    const audited = { ...auditedCaller(caller), ...accountOf(target) };
    const connection = connectionStateOf(this.deps.tokens, target);
    const grants = this.deps.grants.listStored(agent.id, resource);
    const scopes = boundedScopes(session, resource, request.scopes, () => this.grantedScopes(agent.id, target)); // T40: a delegated session's slice
    const plan = decide({
      agent,
      request: { resource, account: target.account, scopes },
      // Only grants for this server can apply (grantAppliesTo): the others are not even listed.
      grants,
      connection,
      declinedStepUps: this.deps.remembered?.declinedStepUps(agent.id, resource),
      revokedByOwner: this.revocations.blocks({ agentId: agent.id, resource, account: target.account }, session?.createdAt),
      now,
    });
    const lineage = session === undefined ? [] : this.deps.agents.lineage(session.id);
    if (plan.kind === 'issue') {
      const kept = { target, audited, plan, lineage };
      if (state !== undefined && memoKey !== undefined) this.plans.keep(memoKey, state, revocations, kept, now, firstExpiry(grants, now));
      return kept;
    }
    const settled = plan.kind === 'ask' ? await this.ask(agent, target, plan, connection?.scopes ?? [], signalOf(waitFor), audited) : plan;
    if (settled.kind === 'refuse') throw refusalError(settled);
    return { target, audited, plan: settled, lineage };
  }

  private planKeyOf(caller: BridgeCaller, resource: string, request: TokenRequest): string {
    return planKey({ agentId: caller.agent.id, sessionId: caller.session?.id, resource, account: request.account, scopes: request.scopes });
  }

  /** The scopes of the agent's grants that apply to this server and account now. */
  private grantedScopes(agentId: string, target: ConnectionRef): string[] {
    const now = this.deps.clock.now();
    return this.deps.grants.listStored(agentId, target.resource).flatMap((g) => (grantAppliesTo(g, agentId, target, now) ? g.scopes : []));
  }

  /** Which of the server's connections (accounts) a request means: account-target.ts (T8). */
  private targetOf(agentId: string, resource: string, named: string | undefined): ConnectionRef {
    return accountTarget(this.deps, agentId, resource, named);
  }

  /** POST /v1/dpop-proof (dpop-proofs.ts); a refusal is audited as token.refused with its code. */
  async dpopProof(caller: BridgeCaller, request: DpopProofRequest): Promise<DpopProofResponse> {
    const { agent } = caller;
    try {
      return await agentProof({ ...this.deps, cache: this.cache, now: () => this.deps.clock.now() }, agent.id, request);
    } catch (error) {
      await this.refuse(auditedCaller(caller), URL.canParse(request.resource) ? request.resource : undefined, undefined, error);
      throw error;
    }
  }

  /** POST /v1/elicitations: handed to the elicitation desk (electron/wallet/elicitation). */
  elicit(caller: BridgeCaller, request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationResponse> {
    const desk = this.deps.elicitations;
    if (desk === undefined) return Promise.reject(new LatchkeyError(ErrorCode.Internal, 'This wallet cannot open pages.'));
    return desk.elicit(caller, request, signal);
  }

  /** GET /v1/approvals/pending: only the caller's own agent's (pending-approvals.ts). */
  pending(caller: BridgeCaller): PendingApprovalsResponse {
    return pendingApprovalsFor(caller, this.deps.approvals.list({ status: 'pending' }));
  }

  whoami(caller: BridgeCaller): WhoamiResponse {
    return whoamiAnswer({ grants: this.deps.grants, lineage: (id) => this.deps.agents.lineage(id), now: () => this.deps.clock.now() }, caller);
  }

  /** Counted into periodic summaries, or (an authenticated agent, within budget) written at once: T37. */
  rejected(rejection: BridgeRejection): void {
    this.deps.audit.recordRefusal({ reason: rejection.code, transport: rejection.transport, ...(rejection.agentId === undefined ? {} : { agentId: rejection.agentId }) });
  }

  /**
   * Owner revokes a grant: refused from the next request on. Its agent's tokens are revoked at the
   * AS (RFC 7009) where it can; what came of that (until when unrevoked ones stay valid at the
   * server, T38) is returned for the owner's audit entry and answer (owner-surface.ts).
   */
  async revokeGrant(id: string): Promise<RevokedGrant> {
    const grant = await this.deps.grants.revoke(id);
    this.revocations.note(grant, this.deps.clock.now());
    this.tokenFacts.clear();
    const tokens = (await revokeCachedTokens(this.cache, this.deps.tokens, this.deps.logger, grant.agentId, grant, this.deps.clock.now())).get(connectionKey(grant)) ?? NONE_REVOKED;
    return { grant, tokens };
  }

  /**
   * Owner edits a grant by hand; widening its scopes also forgets the agent's declined step-ups
   * there (it may ask again). Narrowing it keeps them: taking scopes away is no invitation to ask.
   */
  async updateGrant(id: string, patch: GrantPatch): Promise<Grant> {
    const before = this.deps.grants.get(id)?.scopes ?? [];
    const grant = await this.deps.grants.update(id, patch);
    if (patch.scopes !== undefined && missingScopes(before, grant.scopes).length > 0) {
      await this.deps.remembered?.forgetStepUps(grant.agentId, grant.resource);
    }
    return grant;
  }

  /** Owner removes an agent: grants, sessions and cached tokens go with it; returns what was revoked, for the audit. */
  async removeAgent(idOrName: string): Promise<RemovedAgent> {
    const agent = await this.deps.agents.remove(idOrName);
    const grants = await this.deps.grants.revokeForAgent(agent.id);
    this.revocations.forgetAgent(agent.id);
    this.tokenFacts.clear();
    await this.deps.remembered?.forgetStepUps(agent.id);
    const revoked = await revokeCachedTokens(this.cache, this.deps.tokens, this.deps.logger, agent.id, undefined, this.deps.clock.now());
    return { agent, grants: grants.map((grant) => ({ grant, tokens: revoked.get(connectionKey(grant)) ?? NONE_REVOKED })) };
  }

  /**
   * Carries out the plan's question: a consent or a step-up (one approval, also the consent). The
   * grant then changes as the plan says, and the plan is settled against the new state.
   */
  private async ask(agent: AgentSummary, target: ConnectionRef, plan: Ask, held: readonly string[], signal: AbortSignal, base: Record<string, string>): Promise<Issue | Refusal> {
    let remembered = false;
    if (plan.ask.kind === 'step-up') held = await this.stepUp(agent, target, plan.ask, signal, base);
    else remembered = await askOwnerConsent(this.consentDeps(), agent, target, plan.ask, signal, base);
    const change = plan.grantChange;
    const grant = change !== undefined && (change.when === 'approved' || remembered) ? await changeGrant(this.consentDeps(), agent, target, change, base) : undefined;
    return settle(plan, { grant, held, connection: connectionStateOf(this.deps.tokens, target) });
  }

  /** Step-up (step-up.ts); resolves with the connection's scopes after it. */
  private stepUp(agent: AgentSummary, target: ConnectionRef, ask: StepUpAsk, signal: AbortSignal, base: Record<string, string>): Promise<string[]> {
    const remembered = this.deps.remembered;
    if (remembered === undefined) throw new LatchkeyError(ErrorCode.StepUpDeclined, 'This wallet cannot widen its connections for agents.');
    return stepUpForAgent(
      { approvals: this.deps.approvals, remembered, connections: this.deps.connections, record: (event) => this.record(event), timeoutMs: this.approvalTimeoutMs() },
      { agent, resource: target.resource, account: target.account, ask, base, signal },
    );
  }

  /**
   * The agent's token for the settled plan (mint-for-agent.ts): a narrowed refresh of the
   * connection's; for a delegated session (its lineage longer than itself), cached per session
   * and exchanged from its parent's where the server offers it (session-exchange.ts).
   */
  private handOut(agentId: string, { target, plan, lineage }: KeptPlan): Promise<TokenResponse> {
    const [session] = lineage;
    if (lineage.length < 2 || session === undefined) return handOutToAgent(this.handOutDeps, this.mintNarrowed, agentId, target, plan);
    const perSession = { ...plan, cacheKey: `${plan.cacheKey}\nsession:${session.id}` };
    const granted = (): string[] => this.grantedScopes(agentId, target);
    return handOutToAgent(this.handOutDeps, this.exchange.mintFor(agentId, lineage, granted), agentId, target, perSession);
  }

  private consentDeps(): OwnerConsentDeps {
    return { approvals: this.deps.approvals, grants: this.deps.grants, now: () => this.deps.clock.now(), record: (event) => this.record(event), timeoutMs: this.approvalTimeoutMs() };
  }

  private refusalDeps(): HeedRefusalDeps {
    return { grants: this.deps.grants, tokens: this.deps.tokens, connections: this.deps.connections, cache: this.cache, targetOf: (agentId, resource, account) => this.targetOf(agentId, resource, account), now: () => this.deps.clock.now() };
  }

  private approvalTimeoutMs(): number {
    return this.deps.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  /** Appends to the audit log; a failure is logged, never turned into a different answer. */
  private record(event: AuditInput): Promise<void> {
    return this.deps.audit.record(event);
  }

  private async refuse(base: Record<string, string>, resource: string | undefined, scopes: readonly string[] | undefined, error: unknown): Promise<void> {
    await this.record({
        type: 'token.refused',
        ...base,
        ...(resource === undefined ? {} : { resource }),
        ...(scopes === undefined ? {} : { scopes: [...scopes] }),
        outcome: error instanceof LatchkeyError && error.code !== ErrorCode.Internal ? 'denied' : 'error',
        reason: error instanceof LatchkeyError ? error.code : ErrorCode.Internal,
      });
  }
}

/** Who asked, as the audit names them: the agent, and the session when it used one. */
function auditedCaller({ agent, session }: BridgeCaller): Record<string, string> {
  return session === undefined ? { agentId: agent.id, agentName: agent.name } : { agentId: agent.id, agentName: agent.name, sessionId: session.id };
}
