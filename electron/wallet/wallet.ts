/**
 * The composition root: builds every wallet service from a config and the ports. Nothing else
 * constructs services; hosts (CLI, daemon, Electron main) call `openWallet` or `composeWallet`
 * once.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { Clock, Fetch, Logger, Notifier, Opener, SecretStore } from '../base/ports.js';
import { systemClock } from '../base/ports.js';
import { silentLogger } from '../base/log/logger.js';
import { assertTlsVerification } from '../base/net/tls.js';
import { createLazySafeFetch } from '../base/net/lazy-safe-fetch.js';
import { openVault, type Vault } from './vault/index.js';
import { ConnectionStore } from './connections/connection-store.js';
import { ConnectionService } from './connections/connection-service.js';
import { ConnectionTokens } from './connections/connection-tokens.js';
import { DpopHandles } from './oauth/dpop-key.js';
import { AgentRegistry } from './agents/agent-registry.js';
import type { ProcessProbe } from './agents/runner-process.js';
import { watchSessionRunners, type RunnerWatch } from './agents/runner-watch.js';
import { GrantStore } from './grants/grant-store.js';
import { grantApplies } from './grants/decide.js';
import { ApprovalQueue } from './approvals/approval-queue.js';
import { openAuditLog, type AuditLog, type AuditLogOptions } from './audit/audit-log.js';
import { TokenBroker } from './broker/token-broker.js';
import { DelegationDesk } from './broker/delegation-desk.js';
import { RememberedAnswers } from './elicitation/remembered-answers.js';
import { AgentClientStore } from './identities/agent-client-store.js';
import { AgentClientTokens } from './identities/agent-client-tokens.js';
import { EnterpriseStore } from './enterprise/enterprise-store.js';
import { EnterpriseIdentity } from './enterprise/enterprise-identity.js';
import { ElicitationDesk } from './elicitation/elicitation-desk.js';
import type { ElicitationRateLimit } from './elicitation/elicitation-limits.js';
import { EnrolmentDesk } from './approvals/enrolment-desk.js';
import type { BridgeHandler } from './bridge/handler.js';
import type { Wallet, WalletConfig } from './wallet-api.js';
import type { BridgeStatus } from '../../shared/api.js';
import { createOwnerSurface } from './owner-surface.js';
import { SignInsWaiting } from './connections/sign-ins-waiting.js';

export interface WalletPorts {
  fetch: Fetch;
  opener: Opener;
  secretStore: SecretStore;
  clock: Clock;
  logger: Logger;
  env: Record<string, string | undefined>;
  /** The tray's desktop notifications (Electron); headless hosts have none. */
  notifier?: Notifier;
  /** The process table sessions are bound to (T36). Default: the real one. */
  processes?: ProcessProbe;
}

/** Everything a host needs: the owner's wallet and the bridge's handler, over one vault. */
export interface ComposedWallet {
  wallet: Wallet;
  broker: TokenBroker;
  /** What the bridge server serves: the broker, with enrolment by the enrolment desk (T32). */
  bridge: BridgeHandler;
  approvals: ApprovalQueue;
  audit: AuditLog;
  /** For hosts and tests that seed or inspect state; services own their keys in it. */
  vault: Vault;
  /**
   * Starts the watch that ends the sessions of dead runners (T36), with its first sweep, when
   * `deferRunnerWatch` left it to the host; otherwise it runs already and this does nothing.
   */
  startRunnerWatch(): void;
}

export interface ComposeOptions {
  /** How long an agent's request waits for the owner. Default 2 minutes. */
  approvalTimeoutMs?: number;
  /** How long an elicitation's "retry now?" waits for the owner. Default DEFAULT_RETRY_TIMEOUT_MS. */
  retryTimeoutMs?: number;
  /** URL elicitations per server. Default DEFAULT_ELICITATION_RATE_LIMIT. */
  elicitationRateLimit?: ElicitationRateLimit;
  /** The audit log's segment size and refusal summaries (T37). Defaults: 8 MiB, one summary a minute. */
  audit?: Pick<AuditLogOptions, 'maxSegmentBytes' | 'summaries'>;
  /** How often sessions whose `latchkey run` died are ended. Default RUNNER_CHECK_INTERVAL_MS (1 s). */
  runnerCheckIntervalMs?: number;
  /** The host's agent bridge, for the owner's `status` (a daemon gives it). */
  bridgeStatus?: () => BridgeStatus;
  /**
   * Leave the runner watch (T36) to `startRunnerWatch()`: a daemon starts it once its bridge
   * listens, so its first sweep (every session read and checked) is not start-up work. A dead
   * runner's secret is refused meanwhile all the same: authentication checks the runner too.
   */
  deferRunnerWatch?: boolean;
}

export function defaultHome(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env['LATCHKEY_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.latchkey');
}

const noOpener: Opener = {
  open: () =>
    Promise.reject(
      new LatchkeyError(ErrorCode.OpenerFailed, 'No browser is available to this Latchkey process.', {
        hint: 'Open the URL shown above in a browser yourself.',
      }),
    ),
};

export async function openWallet(config: WalletConfig, ports: Partial<WalletPorts> = {}): Promise<Wallet> {
  return (await composeWallet(config, ports)).wallet;
}

export async function composeWallet(config: WalletConfig, ports: Partial<WalletPorts> = {}, options: ComposeOptions = {}): Promise<ComposedWallet> {
  const env = ports.env ?? process.env;
  assertTlsVerification(env); // T06: refuse to run with TLS verification disabled
  const logger = ports.logger ?? silentLogger;
  const clock = ports.clock ?? systemClock;
  const policy = { allowInsecureLoopback: config.allowInsecureLoopback };
  const safeFetch = ports.fetch === undefined ? createLazySafeFetch({ ...policy, allowedHosts: config.allowedHosts ?? [], env, logger }) : undefined;
  const fetch: Fetch = ports.fetch ?? safeFetch!;

  const vault = await openVault({
    dir: config.home,
    mode: config.vault.mode,
    ...(ports.secretStore === undefined ? {} : { secretStore: ports.secretStore }),
    ...(config.vault.passphrase === undefined ? {} : { passphrase: config.vault.passphrase }),
    ...(config.vault.lockWaitMs === undefined ? {} : { lockWaitMs: config.vault.lockWaitMs }),
    logger,
  }).catch(async (error: unknown) => {
    await safeFetch?.close();
    throw error;
  });
  const audit = await openAuditLog({
    ...(vault.mode === 'memory' ? {} : { path: join(config.home, 'audit.jsonl') }),
    anchor: vaultAnchor(vault),
    clock,
    logger,
    ...options.audit,
  }).catch(async (error: unknown) => {
    await vault.close();
    await safeFetch?.close();
    throw error;
  });
  let closed = false;
  const store = new ConnectionStore(vault);
  const enterprise = new EnterpriseIdentity({ store: new EnterpriseStore(vault), net: { fetch, policy }, opener: ports.opener ?? noOpener, clock, logger });
  const dpopHandles = new DpopHandles();
  const tokens = new ConnectionTokens({ store, net: { fetch, policy }, clock, logger, audit, idJags: enterprise, dpopHandles });
  const connections = new ConnectionService({
    store,
    dpopHandles,
    tokens,
    idJags: enterprise,
    net: { fetch, policy },
    opener: ports.opener ?? noOpener,
    clock,
    logger,
    clientMetadataUrl: config.clientMetadataUrl,
    audit,
  });
  const agents = new AgentRegistry({ vault, clock, logger, ...(ports.processes === undefined ? {} : { processes: ports.processes }) });
  // T36: a session ends with its `latchkey run`; sessions of a runner that died are ended (and audited) within the interval.
  let runners: RunnerWatch | undefined;
  const startRunnerWatch = (): void => {
    if (closed) return;
    runners ??= watchSessionRunners({
      endSessionsOfExitedRunners: () => agents.endSessionsOfExitedRunners(),
      onEnded: async (session) => {
        await audit.append({ type: 'session.ended', agentId: session.agentId, sessionId: session.id, outcome: 'ok', reason: 'runner-exited', actor: 'policy' });
      },
      logger,
      ...(options.runnerCheckIntervalMs === undefined ? {} : { intervalMs: options.runnerCheckIntervalMs }),
    });
  };
  if (options.deferRunnerWatch !== true) startRunnerWatch();
  const grants = new GrantStore({ vault, clock, logger });
  const approvals = new ApprovalQueue({ clock, logger });
  const remembered = new RememberedAnswers(vault, { clock });
  const agentClients = new AgentClientTokens({ store: new AgentClientStore(vault), net: { fetch, policy }, clock, logger });
  const broker = new TokenBroker({
    planState: () => vault.read(),
    agents,
    grants,
    approvals,
    audit,
    tokens,
    connections,
    policy,
    clock,
    logger,
    remembered,
    agentClients,
    elicitations: new ElicitationDesk({
      approvals,
      audit,
      remembered,
      policy,
      clock,
      logger,
      opener: ports.opener ?? noOpener,
      hasGrant: (agentId, resource) => grants.list({ agentId, resource }).some((grant) => grantApplies(grant, agentId, resource, clock.now())),
      ...(options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs }),
      ...(options.retryTimeoutMs === undefined ? {} : { retryTimeoutMs: options.retryTimeoutMs }),
      ...(options.elicitationRateLimit === undefined ? {} : { rateLimit: options.elicitationRateLimit }),
    }),
    ...(options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs }),
  });
  const enrolments = new EnrolmentDesk({
    approvals,
    agents,
    audit,
    ...(options.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: options.approvalTimeoutMs }),
  });
  const delegations = new DelegationDesk({ agents, grants, audit, policy, clock });
  const bridge = bridgeHandler(broker, enrolments, delegations);
  // The tray's notices (and the URL facts they show) load only in a host with a notifier.
  const detachNotices =
    ports.notifier === undefined ? undefined : (await import('./approvals/approval-notices.js')).attachApprovalNotices({ approvals, notifier: ports.notifier, logger });
  const wallet = createOwnerSurface({
    vaultStatus: {
      mode: vault.mode,
      backend: vault.backend,
      ...(vault.warning === undefined ? {} : { warning: vault.warning }),
      path: vault.path,
    },
    bridgeStatus: options.bridgeStatus,
    policy,
    connections,
    signIns: new SignInsWaiting(ports.opener ?? noOpener, policy),
    agents,
    grants,
    approvals,
    remembered,
    broker,
    agentClients,
    enterprise,
    audit,
    logger,
    close: async () => {
      if (closed) return;
      closed = true;
      approvals.close();
      detachNotices?.();
      await runners?.stop();
      await agents.close();
      await grants.close();
      await audit.close();
      await vault.close();
      await safeFetch?.close();
    },
  });
  return { wallet, broker, bridge, approvals, audit, vault, startRunnerWatch };
}

/**
 * The broker answers agents; enrolments (unknown callers, with their peer process) go to the
 * enrolment desk, delegated sessions to the delegation desk.
 */
function bridgeHandler(broker: TokenBroker, enrolments: EnrolmentDesk, delegations: DelegationDesk): BridgeHandler {
  return {
    authenticate: (secret) => broker.authenticate(secret),
    token: (caller, request, signal) => broker.token(caller, request, signal),
    elicit: (caller, request, signal) => broker.elicit(caller, request, signal),
    whoami: (caller) => broker.whoami(caller),
    dpopProof: (caller, request) => broker.dpopProof(caller, request),
    pending: (caller) => broker.pending(caller),
    enrol: (request, signal, requester) => enrolments.enrol(request, signal, requester),
    delegate: (caller, request) => delegations.delegate(caller, request),
    rejected: (rejection) => broker.rejected(rejection),
  };
}

/** The audit chain's head, kept in the encrypted vault so a truncated log is noticed. */
function vaultAnchor(vault: Vault) {
  return {
    read: (): { seq: number; hash: string } | undefined => {
      const head = vault.read()['auditHead'] as { seq?: unknown; hash?: unknown } | undefined;
      return typeof head?.seq === 'number' && typeof head.hash === 'string' ? { seq: head.seq, hash: head.hash } : undefined;
    },
    write: (head: { seq: number; hash: string }): Promise<void> =>
      vault.update((doc) => {
        doc['auditHead'] = head;
      }),
  };
}
