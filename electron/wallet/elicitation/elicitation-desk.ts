/**
 * The wallet's side of URL elicitation (protocol.md E1–E3, threats T21/E8/E9): a server asks the
 * owner to open a page. The URL is checked (never fetched) and then:
 *   - a server the agent holds no live grant for (exact canonical resource) → refused at once
 *     (elicitation.not_granted, 403), nobody is asked: an agent cannot claim any server it likes
 *     to raise prompts or to use an allowed site (T33, T21);
 *   - an agent over its rate limit, for this server or over all its servers → cancel, nobody is
 *     asked; one agent's flood never uses up another agent's budget (T33);
 *   - a URL no browser may get (validateOpenUrl refuses it) → decline, nobody is asked;
 *   - a page on a site the owner allowed for this server, without a warning → opened (actor
 *     'policy');
 *   - anything else → a 'url-elicitation' approval; only an approval opens the page.
 * Stage 'wait' asks the owner when to retry the agent's request after the page was opened.
 * The caller gets the action back, never the URL; the audit names the site, never the URL.
 */
import type { AuditEvent } from '../../../shared/agents.js';
import type { ElicitationRequest, ElicitationResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import type { UrlFacts } from '../../../shared/url-facts.js';
import type { Clock, Logger, Opener } from '../../base/ports.js';
import { validateOpenUrl } from '../../base/opener/validate.js';
import type { ApprovalOutcome, ApprovalQueue, RaiseInput } from '../approvals/approval-queue.js';
import type { AuditInput, AuditLog } from '../audit/audit-log.js';
import type { BridgeCaller } from '../bridge/handler.js';
import type { RememberedAnswers } from './remembered-answers.js';
import {
  DEFAULT_AGENT_ELICITATION_RATE_LIMIT,
  DEFAULT_ELICITATION_RATE_LIMIT,
  PerKeyThrottle,
  SlidingWindowLimiter,
  type ElicitationRateLimit,
} from './elicitation-limits.js';

/** How long the owner has to approve opening a page. */
export const DEFAULT_ELICITATION_TIMEOUT_MS = 2 * 60_000;
/** How long an agent's request waits for "retry now" after the page was opened (stage 'wait'). */
export const DEFAULT_RETRY_TIMEOUT_MS = 10 * 60_000;
/** At most one 'rate-limited' audit entry per server in this interval. */
const RATE_LIMIT_AUDIT_INTERVAL_MS = 60_000;

export interface ElicitationDeskDeps {
  approvals: ApprovalQueue;
  audit: AuditLog;
  remembered: RememberedAnswers;
  policy: UrlPolicy;
  clock: Clock;
  logger: Logger;
  opener: Opener;
  /** Whether the agent holds a live grant for this server (exact canonical resource): elicitations are refused otherwise. */
  hasGrant: (agentId: string, resource: string) => boolean;
  /** Stage 'open'. Default DEFAULT_ELICITATION_TIMEOUT_MS. */
  approvalTimeoutMs?: number;
  /** Stage 'wait'. Default DEFAULT_RETRY_TIMEOUT_MS. */
  retryTimeoutMs?: number;
  /** Per agent and server (canonical resource). Default DEFAULT_ELICITATION_RATE_LIMIT. */
  rateLimit?: ElicitationRateLimit;
  /** Per agent over all its servers. Default DEFAULT_AGENT_ELICITATION_RATE_LIMIT. */
  agentRateLimit?: ElicitationRateLimit;
}

/** Who asks: the audit fields every entry of one elicitation shares. */
type Base = Pick<AuditEvent, 'agentId' | 'agentName' | 'sessionId' | 'resource'>;
type Entry = AuditInput;

interface Asked {
  caller: BridgeCaller;
  base: Base;
  server: string;
  url: URL;
  facts: UrlFacts;
  /** The site may be remembered for this server (shared/url-facts isRememberable: no warning at all). */
  rememberable: boolean;
  message: string;
  signal: AbortSignal;
}

export class ElicitationDesk {
  private readonly limiter: SlidingWindowLimiter;
  private readonly agentLimiter: SlidingWindowLimiter;
  private readonly refusalAudit = new PerKeyThrottle(RATE_LIMIT_AUDIT_INTERVAL_MS);

  constructor(private readonly deps: ElicitationDeskDeps) {
    this.limiter = new SlidingWindowLimiter(deps.rateLimit ?? DEFAULT_ELICITATION_RATE_LIMIT);
    this.agentLimiter = new SlidingWindowLimiter(deps.agentRateLimit ?? DEFAULT_AGENT_ELICITATION_RATE_LIMIT);
  }

  async elicit(caller: BridgeCaller, request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationResponse> {
    const { agent, session } = caller;
    // The URL facts, and the Public Suffix List under them, load with the first elicitation, not with the wallet.
    const { isRememberable, siteOf, urlFacts } = await import('../../../shared/url-facts.js');
    const server = canonicalResource(request.server, this.deps.policy);
    const base: Base = { agentId: agent.id, agentName: agent.name, ...(session === undefined ? {} : { sessionId: session.id }), resource: server };
    const stage = request.stage ?? 'open';
    if (!this.deps.hasGrant(agent.id, server)) return this.refuseNotGranted(base, siteField(request.url, siteOf));
    // Every ask to open counts, unsafe ones too: an agent or server that floods is cut off before anything else.
    if (stage === 'open' && !this.admit(agent.id, server)) return this.refuseOverLimit(base, siteField(request.url, siteOf));
    let url: URL;
    try {
      url = validateOpenUrl(request.url, this.deps.policy);
    } catch (error) {
      const code = refusalCode(error);
      if (code === undefined) throw error;
      const reason = `unsafe:${code}`;
      await this.record({ type: 'elicitation.refused', ...base, ...siteField(request.url, siteOf), outcome: 'denied', reason, actor: 'policy' });
      return { action: stage === 'wait' ? 'cancel' : 'decline' };
    }
    const facts = urlFacts(url.href, { server }) ?? { host: url.hostname, site: siteOf(url.hostname), warnings: [] };
    const asked: Asked = { caller, base, server, url, facts, rememberable: isRememberable(facts), message: request.message, signal };
    if (stage === 'wait') return this.waitForRetry(asked);
    if (asked.rememberable && this.deps.remembered.isSiteAllowed(server, facts.site)) return this.open(asked, 'policy');
    return this.askToOpen(asked);
  }

  private async askToOpen(asked: Asked): Promise<ElicitationResponse> {
    const outcome = await this.ask('url-elicitation', asked, this.deps.approvalTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS);
    if (outcome.status === 'expired') return { action: 'cancel' };
    if (outcome.status === 'denied') return { action: 'decline' };
    if (outcome.remember && asked.rememberable) await this.allowSite(asked);
    return this.open(asked, 'owner');
  }

  private async waitForRetry(asked: Asked): Promise<ElicitationResponse> {
    const outcome = await this.ask('elicitation-retry', asked, this.deps.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS);
    return { action: outcome.status === 'approved' ? 'accept' : 'cancel' };
  }

  /** Raises the approval and waits; the caller going away withdraws it (AuthorizationCancelled). */
  private async ask(kind: 'url-elicitation' | 'elicitation-retry', asked: Asked, timeoutMs: number): Promise<ApprovalOutcome> {
    const { caller, base, server, url, facts, message, signal } = asked;
    const input: RaiseInput = { kind, agentId: caller.agent.id, agentName: caller.agent.name, resource: server, url: url.href, message };
    const site = { site: facts.site };
    let raised: ReturnType<ApprovalQueue['raise']>;
    try {
      raised = this.deps.approvals.raise(input, { timeoutMs, signal });
    } catch (error) {
      // One like it already waits for the owner (or too many do): the bridge answers 429; audit it.
      if (isLatchkeyError(error, ErrorCode.RateLimited)) {
        await this.record({ type: 'elicitation.refused', ...base, ...site, outcome: 'denied', reason: 'rate-limited', actor: 'policy' });
      }
      throw error;
    }
    const { approval, decision } = raised;
    await this.record({ type: 'approval.raised', ...base, ...site, outcome: 'ok', reason: `${kind}:${approval.id}` });
    const outcome = await decision;
    if (signal.aborted) {
      await this.record({ type: 'approval.decided', ...base, ...site, outcome: 'denied', reason: 'withdrawn', actor: 'agent' });
      throw new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.');
    }
    const actor = outcome.status === 'expired' ? 'timeout' : 'owner';
    await this.record({ type: 'approval.decided', ...base, ...site, outcome: outcome.status === 'approved' ? 'ok' : 'denied', reason: outcome.status, actor });
    return outcome;
  }

  private async open(asked: Asked, actor: 'owner' | 'policy'): Promise<ElicitationResponse> {
    const site = { site: asked.facts.site };
    try {
      await this.deps.opener.open(asked.url);
    } catch (error) {
      const reason = isLatchkeyError(error) ? error.code : ErrorCode.OpenerFailed;
      this.deps.logger.error('could not open an elicitation page', { ...site, reason });
      await this.record({ type: 'elicitation.opened', ...asked.base, ...site, outcome: 'error', reason, actor });
      return { action: 'cancel' };
    }
    await this.record({ type: 'elicitation.opened', ...asked.base, ...site, outcome: 'ok', actor });
    return { action: 'accept' };
  }

  private async allowSite(asked: Asked): Promise<void> {
    try {
      await this.deps.remembered.allowSite(asked.server, asked.facts.site);
    } catch (error) {
      this.deps.logger.error('could not remember an allowed site', { site: asked.facts.site, reason: error instanceof Error ? error.name : 'unknown' });
      return;
    }
    await this.record({ type: 'site.allowed', resource: asked.server, site: asked.facts.site, outcome: 'ok', actor: 'owner' });
  }

  /** Counts the ask against the agent's budget and the agent's budget for this server. */
  private admit(agentId: string, server: string): boolean {
    const now = this.deps.clock.now();
    return this.agentLimiter.admit(agentId, now) && this.limiter.admit(JSON.stringify([agentId, server]), now);
  }

  /** Refused at once, audited at most once a minute per agent and server. */
  private async refuseNotGranted(base: Base, site: { site?: string }): Promise<never> {
    if (this.refusalAudit.admit(JSON.stringify(['not-granted', base.agentId, base.resource]), this.deps.clock.now())) {
      await this.record({ type: 'elicitation.refused', ...base, ...site, outcome: 'denied', reason: 'not-granted', actor: 'policy' });
    }
    throw new LatchkeyError(ErrorCode.ElicitationNotGranted, 'This agent holds no grant for that server, so it cannot hand over its pages.', {
      hint: 'The owner grants the agent that server first (latchkey grant add).',
    });
  }

  private async refuseOverLimit(base: Base, site: { site?: string }): Promise<ElicitationResponse> {
    if (this.refusalAudit.admit(JSON.stringify(['rate-limited', base.agentId, base.resource]), this.deps.clock.now())) {
      await this.record({ type: 'elicitation.refused', ...base, ...site, outcome: 'denied', reason: 'rate-limited', actor: 'policy' });
    }
    return { action: 'cancel' };
  }

  /** Appends to the audit log; a failure is logged, never turned into a different answer. */
  private record(event: Entry): Promise<void> {
    return this.deps.audit.record(event);
  }
}

/** validateOpenUrl's stable code for why it refuses `raw` (too-long, scheme, insecure, userinfo…); undefined when it may open. */
export function unsafeReason(raw: string, policy: UrlPolicy): string | undefined {
  try {
    validateOpenUrl(raw, policy);
    return undefined;
  } catch (error) {
    return refusalCode(error);
  }
}

function refusalCode(error: unknown): string | undefined {
  if (!isLatchkeyError(error, ErrorCode.UnsafeOpenUrl)) return undefined;
  const code = error.details['code'];
  return typeof code === 'string' ? code : 'unknown';
}

/** The refused URL's site when it parses to a host (audit only ever names the site). */
function siteField(raw: string, siteOf: (host: string) => string): { site?: string } {
  try {
    const host = new URL(raw).hostname;
    const site = host === '' ? '' : siteOf(host);
    return site === '' || site.length > 253 ? {} : { site };
  } catch {
    return {};
  }
}
