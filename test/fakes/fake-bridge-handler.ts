/**
 * A BridgeHandler for bridge tests: known secrets map to agents, token() hands out a canary token
 * (or throws what a test sets), and every call and rejection is recorded so tests can assert
 * that a refused request never reached the wallet.
 */
import type { AgentSummary } from '../../shared/agents.js';
import type { ElicitationRequest, ElicitationResponse, EnrolRequest, PendingApprovalsResponse, TokenRequest, TokenResponse, WhoamiResponse } from '../../shared/bridge.js';
import { signalOf, type BridgeCaller, type BridgeHandler, type BridgeRejection, type CallerPresence } from '../../electron/wallet/bridge/handler.js';
import type { EnrolRequester } from '../../electron/wallet/bridge/peer.js';

export const FAKE_TOKEN = 'fake-access-token-CANARY-7f3a9c';
export const FAKE_AGENT_SECRET = 'lks_agent_secret_0123456789abcdefghijklmnopqrstuv';

export const FAKE_AGENT: AgentSummary = {
  id: 'agt_AAAAAAAAAAAAAAAAAAAA',
  name: 'test-agent',
  kind: 'interactive',
  createdAt: 1_700_000_000_000,
};

export interface TokenCall {
  caller: BridgeCaller;
  request: TokenRequest;
  signal: AbortSignal;
}

export class FakeBridgeHandler implements BridgeHandler {
  readonly secrets = new Map<string, BridgeCaller>([[FAKE_AGENT_SECRET, { agent: FAKE_AGENT }]]);
  readonly authenticateCalls: string[] = [];
  readonly tokenCalls: TokenCall[] = [];
  readonly whoamiCalls: BridgeCaller[] = [];
  readonly enrolCalls: EnrolRequest[] = [];
  /** Who sent each enrolment, as the bridge named it (same order as enrolCalls). */
  readonly enrolRequesters: EnrolRequester[] = [];
  readonly elicitCalls: ElicitationRequest[] = [];
  readonly rejections: BridgeRejection[] = [];
  /** Replaces the default token answer (e.g. throw a LatchkeyError, or wait on the signal). */
  tokenImpl: ((call: TokenCall) => Promise<TokenResponse>) | undefined;
  /** Replaces the default enrolment answer. */
  enrolImpl: ((request: EnrolRequest, signal: AbortSignal) => Promise<{ agentId: string; name: string; secret: string }>) | undefined;
  private rejectionWaiters: Array<{ count: number; resolve: () => void }> = [];
  private tokenWaiters: Array<(call: TokenCall) => void> = [];

  authenticate(secret: string): BridgeCaller | undefined {
    this.authenticateCalls.push(secret);
    return this.secrets.get(secret);
  }

  async token(caller: BridgeCaller, request: TokenRequest, waitFor: AbortSignal | CallerPresence): Promise<TokenResponse> {
    const call = { caller, request, signal: signalOf(waitFor) };
    this.tokenCalls.push(call);
    for (const waiter of this.tokenWaiters.splice(0)) waiter(call);
    if (this.tokenImpl !== undefined) return this.tokenImpl(call);
    return { access_token: FAKE_TOKEN, token_type: 'Bearer', expires_at: 1_700_000_900, scope: (request.scopes ?? ['read']).join(' ') };
  }

  elicit(_caller: BridgeCaller, request: ElicitationRequest, _signal: AbortSignal): Promise<ElicitationResponse> {
    this.elicitCalls.push(request);
    return Promise.resolve({ action: 'decline' });
  }

  whoami(caller: BridgeCaller): WhoamiResponse {
    this.whoamiCalls.push(caller);
    return {
      agent: { id: caller.agent.id, name: caller.agent.name, kind: caller.agent.kind },
      grants: [{ resource: 'https://mcp.example/mcp', scopes: ['read'], mode: 'allow', max_token_lifetime_seconds: 900 }],
    };
  }

  /** What GET /v1/approvals/pending answers (a test sets it). */
  pendingApprovals: PendingApprovalsResponse['approvals'] = [];
  readonly pendingCalls: BridgeCaller[] = [];

  pending(caller: BridgeCaller): PendingApprovalsResponse {
    this.pendingCalls.push(caller);
    return { approvals: this.pendingApprovals };
  }

  async enrol(request: EnrolRequest, signal: AbortSignal, requester: EnrolRequester): Promise<{ agentId: string; name: string; secret: string }> {
    this.enrolCalls.push(request);
    this.enrolRequesters.push(requester);
    if (this.enrolImpl !== undefined) return this.enrolImpl(request, signal);
    return { agentId: 'agt_BBBBBBBBBBBBBBBBBBBB', name: request.name, secret: 'lks_new_agent_secret_zzzzzzzzzzzzzzzzzzzz' };
  }

  rejected(rejection: BridgeRejection): void {
    this.rejections.push(rejection);
    this.rejectionWaiters = this.rejectionWaiters.filter((waiter) => {
      if (this.rejections.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once at least `count` rejections were reported in total. */
  waitForRejections(count: number): Promise<void> {
    if (this.rejections.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.rejectionWaiters.push({ count, resolve }));
  }

  /** Resolves with the next token() call. */
  nextTokenCall(): Promise<TokenCall> {
    return new Promise((resolve) => this.tokenWaiters.push(resolve));
  }

  /** Number of calls that reached the wallet side (authenticate excluded). */
  get handledCalls(): number {
    return this.tokenCalls.length + this.whoamiCalls.length + this.enrolCalls.length;
  }
}
