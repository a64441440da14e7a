/**
 * Agents and their sessions, kept in the vault under 'agents' and 'sessions' (threats T11, T12).
 * The enrolled secret is the identity: it is shown once and only its hash is stored. Every change
 * is one atomic vault write; last-seen times are batched so requests do not write the vault.
 */
import { AgentKind, type AgentSummary, type DelegationLimits, type SessionSummary } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { hashSecret, newId, newSecret } from '../../base/ids.js';
import { silentLogger } from '../../base/log/logger.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import { VaultSection, type Vault } from '../vault/index.js';
import { DeferredWrites, systemScheduler, type Scheduler } from '../../base/async/deferred-writes.js';
import { AgentsDocument, agentSummaryOf, isSessionActive, sessionSummaryOf, type AgentRecord, type SessionRecord } from './records.js';
import { createProcessProbe, type ProcessProbe } from './runner-process.js';
import { checkChild, lineageOf, type ChildRequest } from './delegation.js';
import { endAgentSessions, endExitedSessions, endSessionTree } from './session-endings.js';
import { agentNotFound, checkName, checkTtl, COMMAND_MAX, findAgentRecord, pruneSessions } from './registry-rules.js';
import { SecretHashes } from './secret-match.js';
import { runnerAlive, verifyRunner } from './runner-binding.js';

export { MAX_SESSION_TTL_SECONDS, MIN_SESSION_TTL_SECONDS, SESSION_RETENTION_MS } from './registry-rules.js';

export type SessionEndReason = NonNullable<SessionSummary['endReason']>;

export interface AgentRegistryOptions {
  vault: Vault;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
  /** At most one last-seen write per this interval. Default 60 s. */
  touchIntervalMs?: number;
  /** The process table, to bind sessions to their `latchkey run` (T36). Default: the real one. */
  processes?: ProcessProbe;
}

export interface EnrolOptions {
  kind?: AgentKind;
  parentId?: string;
}

export interface StartSessionOptions {
  ttlSeconds: number;
  /**
   * The `latchkey run` process: the session ends when it exits (T36). It must be a live process
   * of our own user; its start time is recorded, so a reused pid does not keep the session.
   * Never used to authenticate (T12). Without it the session lives until it expires.
   */
  pid?: number;
  command?: string;
}

export interface DelegateOptions extends ChildRequest {
  /** The child's `latchkey run` (T36): required, a delegated session always has a runner. */
  pid: number;
  command?: string;
}

export interface AuthenticatedCaller {
  agent: AgentSummary;
  session?: SessionSummary;
}

export class AgentRegistry {
  private readonly section: VaultSection<'agents' | 'sessions', AgentsDocument>;
  private readonly clock: Clock;
  private readonly lastSeen: DeferredWrites<number>;
  private readonly processes: ProcessProbe;
  private hashes: SecretHashes | undefined;

  constructor(options: AgentRegistryOptions) {
    this.section = new VaultSection(options.vault, {
      keys: ['agents', 'sessions'],
      schema: AgentsDocument,
      what: 'agent data',
      hint: 'It may have been written by a newer Latchkey. Upgrade Latchkey.',
    });
    this.clock = options.clock ?? systemClock;
    this.processes = options.processes ?? createProcessProbe();
    this.lastSeen = new DeferredWrites<number>({
      write: (batch) => this.writeLastSeen(batch),
      intervalMs: options.touchIntervalMs ?? 60_000,
      scheduler: options.scheduler ?? systemScheduler,
      logger: options.logger ?? silentLogger,
      what: 'when agents were last seen',
    });
  }

  /** Enrols a new agent. The secret is returned once; only its hash is stored. */
  async enrol(name: string, options: EnrolOptions = {}): Promise<{ agent: AgentSummary; secret: string }> {
    const checkedName = checkName(name);
    const kind = AgentKind.parse(options.kind ?? 'interactive');
    const secret = newSecret('agent');
    const record: AgentRecord = {
      id: newId('agt'),
      name: checkedName,
      kind,
      ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
      createdAt: this.clock.now(),
      secretHash: hashSecret(secret),
    };
    await this.mutate((doc) => {
      if (options.parentId !== undefined && doc.agents[options.parentId] === undefined) throw agentNotFound(options.parentId);
      const lower = checkedName.toLowerCase();
      if (Object.values(doc.agents).some((agent) => agent.name.toLowerCase() === lower)) {
        throw new LatchkeyError(ErrorCode.AgentExists, `An agent named "${checkedName}" is already enrolled.`, {
          hint: 'Choose another name, or remove the old agent with `latchkey agent remove`.',
        });
      }
      doc.agents[record.id] = record;
    });
    return { agent: agentSummaryOf(record), secret };
  }

  list(): AgentSummary[] {
    return Object.values(this.section.read().agents)
      .map((record) => agentSummaryOf(record, this.lastSeen.peek(record.id)))
      .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  }

  /** By id, or else by exact name. */
  get(idOrName: string): AgentSummary | undefined {
    const record = findAgentRecord(this.section.read(), idOrName);
    return record === undefined ? undefined : agentSummaryOf(record, this.lastSeen.peek(record.id));
  }

  /** Removes an agent and ends its sessions (reason 'revoked'). Its secret stops working at once. */
  async remove(idOrName: string): Promise<AgentSummary> {
    const now = this.clock.now();
    const removed = await this.mutate((doc) => {
      const found = findAgentRecord(doc, idOrName);
      if (found === undefined) throw agentNotFound(idOrName);
      delete doc.agents[found.id];
      endAgentSessions(doc, found.id, now);
      return found;
    });
    const seen = this.lastSeen.peek(removed.id);
    this.lastSeen.forget(removed.id);
    return agentSummaryOf(removed, seen);
  }

  /**
   * Sets how far the agent's sessions may delegate (T40), or (undefined) puts back the defaults.
   * Live delegated sessions keep running; the limits hold for every delegation from now on.
   */
  async setDelegationLimits(idOrName: string, limits: DelegationLimits | undefined): Promise<AgentSummary> {
    const updated = await this.mutate((doc) => {
      const found = findAgentRecord(doc, idOrName);
      if (found === undefined) throw agentNotFound(idOrName);
      const { delegation: _previous, ...rest } = found;
      const record: AgentRecord = limits === undefined ? rest : { ...rest, delegation: limits };
      doc.agents[found.id] = record;
      return record;
    });
    return agentSummaryOf(updated, this.lastSeen.peek(updated.id));
  }

  /** Starts a session (`latchkey run`): a fresh secret that works until it ends or expires. */
  async startSession(agentIdOrName: string, options: StartSessionOptions): Promise<{ session: SessionSummary; secret: string }> {
    const ttl = checkTtl(options.ttlSeconds);
    const runner = options.pid === undefined ? undefined : verifyRunner(this.processes, options.pid);
    const secret = newSecret('session');
    const now = this.clock.now();
    const record = await this.mutate((doc) => {
      const agent = findAgentRecord(doc, agentIdOrName);
      if (agent === undefined) throw agentNotFound(agentIdOrName);
      const created: SessionRecord = {
        id: newId('ses'),
        agentId: agent.id,
        createdAt: now,
        expiresAt: now + ttl * 1000,
        ...(runner === undefined ? {} : { pid: runner.pid, runnerStart: runner.startId }),
        ...(options.command === undefined ? {} : { command: options.command.slice(0, COMMAND_MAX) }),
        secretHash: hashSecret(secret),
      };
      doc.sessions[created.id] = created;
      return created;
    });
    return { session: sessionSummaryOf(record), secret };
  }

  /** Ends a session. Unknown ids give undefined; an already ended session is returned unchanged. */
  async endSession(id: string, reason: SessionEndReason): Promise<SessionSummary | undefined> {
    const existing = this.section.read().sessions[id];
    if (existing === undefined) return undefined;
    if (existing.endedAt !== undefined) return sessionSummaryOf(existing);
    const now = this.clock.now();
    const ended = await this.mutate((doc) => endSessionTree(doc, id, reason, now));
    return ended === undefined ? undefined : sessionSummaryOf(ended);
  }

  /**
   * Starts a session delegated from `parentId` (`latchkey run --delegate`, T40): same agent, its
   * own secret, bounds and lifetime within the parent's (delegation.ts), bound to its runner.
   */
  async delegateSession(parentId: string, options: DelegateOptions): Promise<{ session: SessionSummary; secret: string }> {
    if (options.ttlSeconds !== undefined) checkTtl(options.ttlSeconds);
    const runner = verifyRunner(this.processes, options.pid);
    const secret = newSecret('session');
    const now = this.clock.now();
    const record = await this.mutate((doc) => {
      const parent = Object.hasOwn(doc.sessions, parentId) ? doc.sessions[parentId] : undefined;
      if (parent === undefined) throw new LatchkeyError(ErrorCode.SessionExpired, 'The parent session has ended.');
      const agent = Object.hasOwn(doc.agents, parent.agentId) ? doc.agents[parent.agentId] : undefined;
      const expiresAt = checkChild(doc, parent, options, now, agent?.delegation);
      const created: SessionRecord = {
        id: newId('ses'),
        agentId: parent.agentId,
        createdAt: now,
        expiresAt,
        pid: runner.pid,
        runnerStart: runner.startId,
        ...(options.command === undefined ? {} : { command: options.command.slice(0, COMMAND_MAX) }),
        parentSessionId: parent.id,
        bounds: options.bounds,
        secretHash: hashSecret(secret),
      };
      doc.sessions[created.id] = created;
      return created;
    });
    return { session: sessionSummaryOf(record), secret };
  }

  /** The session and the sessions it was delegated from, innermost first (empty when unknown). */
  lineage(sessionId: string): SessionSummary[] {
    const document = this.section.read();
    const session = Object.hasOwn(document.sessions, sessionId) ? document.sessions[sessionId] : undefined;
    return session === undefined ? [] : lineageOf(document, session).map(sessionSummaryOf);
  }

  sessions(filter: { agentId?: string; active?: boolean } = {}): SessionSummary[] {
    const now = this.clock.now();
    return Object.values(this.section.read().sessions)
      .filter((session) => filter.agentId === undefined || session.agentId === filter.agentId)
      .filter((session) => filter.active === undefined || isSessionActive(session, now) === filter.active)
      .map(sessionSummaryOf)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Finds who holds `secret`: the presented secret's hash finds at most one stored hash, which is
   * compared in constant time, and a miss compares against a dummy the same way (T11,
   * secret-match.ts). Unknown secrets, ended or expired sessions and removed agents give undefined.
   */
  authenticate(secret: string): AuthenticatedCaller | undefined {
    const hashes = this.secretHashes();
    const document = hashes.document;
    const match = hashes.match(secret);
    if (match === undefined) return undefined;
    const agent = document.agents[match.agentId];
    if (agent === undefined) return undefined;
    const summary = agentSummaryOf(agent, this.lastSeen.peek(agent.id));
    if (match.sessionId === undefined) return { agent: summary };
    const session = document.sessions[match.sessionId];
    if (session === undefined) return undefined;
    // A delegated session works only while every session above it does (T40).
    const now = this.clock.now();
    for (const link of lineageOf(document, session)) {
      if (!isSessionActive(link, now)) return undefined;
      if (!runnerAlive(this.processes, link)) return undefined; // ended by the next sweep (endSessionsOfExitedRunners)
    }
    return { agent: summary, session: sessionSummaryOf(session) };
  }

  /**
   * Ends every active session whose `latchkey run` is gone (killed, crashed, or its pid now
   * another process), reason 'runner-exited', in one vault write. Returns those it ended.
   */
  async endSessionsOfExitedRunners(): Promise<SessionSummary[]> {
    const now = this.clock.now();
    const dead = Object.values(this.section.read().sessions).filter((session) => isSessionActive(session, now) && !runnerAlive(this.processes, session));
    if (dead.length === 0) return [];
    const ended = await this.mutate((doc) => endExitedSessions(doc, dead.map((session) => session.id), now));
    return ended.map(sessionSummaryOf);
  }

  /** Notes that the agent was seen now; written to the vault at most once per interval. */
  touch(agentId: string): void {
    this.lastSeen.set(agentId, this.clock.now());
  }

  /** Writes pending last-seen times. Call before closing the vault. */
  close(): Promise<void> {
    return this.lastSeen.flush();
  }

  /** The secret hashes of the section as stored now (kept until it changes). */
  private secretHashes(): SecretHashes {
    const document = this.section.read();
    if (this.hashes === undefined || this.hashes.document !== document) this.hashes = SecretHashes.of(document);
    return this.hashes;
  }

  private async writeLastSeen(batch: ReadonlyMap<string, number>): Promise<void> {
    await this.mutate((doc) => {
      for (const [agentId, seen] of batch) {
        const agent = doc.agents[agentId];
        if (agent !== undefined && seen > (agent.lastSeenAt ?? 0)) agent.lastSeenAt = seen;
      }
    });
  }

  /** One atomic vault write of `apply`'s change; long-over sessions are dropped on the way. */
  private mutate<R>(apply: (doc: AgentsDocument) => R): Promise<R> {
    const now = this.clock.now();
    return this.section.update((doc) => {
      const result = apply(doc);
      pruneSessions(doc, now);
      return result;
    });
  }
}
