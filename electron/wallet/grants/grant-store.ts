/**
 * Grants (agent × resource and account × scopes × lifetime × expiry × mode), kept in the vault under
 * 'grants'. At most one live grant per (agent, resource, account): widening or narrowing is an update. Every change
 * is one atomic vault write; last-used times are batched so hand-outs do not write the vault.
 */
import { z } from 'zod';
import { Grant, GrantMode, Id, MAX_TOKEN_LIFETIME_SECONDS } from '../../../shared/agents.js';
import { ACCOUNT_LABEL_PATTERN } from '../../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource } from '../../../shared/url.js';
import { DeferredWrites, systemScheduler, type Scheduler } from '../../base/async/deferred-writes.js';
import { newId } from '../../base/ids.js';
import { silentLogger } from '../../base/log/logger.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import { VaultSection, type Vault } from '../vault/index.js';
import { grantApplies } from './decide.js';
import { isScopeToken, MAX_SCOPES, uniqueScopes } from './scopes.js';

const GrantsDocument = z.record(z.string(), Grant);
type GrantsDocument = z.infer<typeof GrantsDocument>;
const GrantsSection = z.object({ grants: GrantsDocument });

export const MIN_TOKEN_LIFETIME_SECONDS = 60;

export interface GrantStoreOptions {
  vault: Vault;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
  /** At most one last-used write per this interval. Default 60 s. */
  markUsedIntervalMs?: number;
}

export interface CreateGrantInput {
  agentId: string;
  /** Canonical MCP server URL (canonicalResource). */
  resource: string;
  /** The account on that server (protocol.md T8); absent: its default account. */
  account?: string | undefined;
  scopes: readonly string[];
  /** The longest a handed-out token may live (enforced); absent: as the server issues them. */
  maxTokenLifetimeSeconds?: number;
  /** Epoch ms; must be in the future. */
  expiresAt?: number;
  mode: GrantMode;
}

export interface GrantPatch {
  scopes?: readonly string[];
  /** Seconds, or null: tokens live as the server issues them. */
  maxTokenLifetimeSeconds?: number | null;
  mode?: GrantMode;
  /** Set by the broker after asking the AS. Changing scopes resets it to 'unknown' unless given. */
  narrowing?: Grant['narrowing'];
  /** Epoch ms, or null to remove the expiry. */
  expiresAt?: number | null;
}

function invalid(message: string, hint?: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidInput, message, hint === undefined ? {} : { hint });
}

function grantNotFound(id: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.GrantNotFound, `No grant "${id.slice(0, 80)}" exists.`, {
    hint: 'See grants with `latchkey grant list`.',
  });
}

function checkResource(resource: string): string {
  let canonical: string | undefined;
  try {
    canonical = canonicalResource(new URL(resource), { allowInsecureLoopback: true });
  } catch {
    canonical = undefined;
  }
  if (canonical !== resource) {
    throw invalid('A grant needs the MCP server URL in canonical form.', canonical === undefined ? 'Use a full URL such as https://mcp.example.com/mcp.' : `Use ${canonical}.`);
  }
  return resource;
}

function checkAccount(account: string): string {
  if (!ACCOUNT_LABEL_PATTERN.test(account)) throw invalid('That is not an account label.', 'Use up to 32 of a-z 0-9 . _ -, starting with a letter or digit, e.g. work.');
  return account;
}

function checkScopes(scopes: readonly string[]): string[] {
  const unique = uniqueScopes(scopes);
  if (unique.length > MAX_SCOPES || !unique.every(isScopeToken)) {
    throw invalid('Scopes must be OAuth scope names (printable, no spaces, quotes or backslashes), at most 64 of them.');
  }
  return unique;
}

function checkLifetime(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_LIFETIME_SECONDS || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw invalid('A token lifetime is between 1 minute and 1 hour.', 'Pass a whole number of seconds from 60 to 3600.');
  }
  return seconds;
}

function checkExpiry(expiresAt: number, now: number): number {
  if (!Number.isFinite(expiresAt) || expiresAt <= now) throw invalid('A grant must expire in the future.');
  return expiresAt;
}

/** The stored grants, oldest first, whole, by agent and by agent and server: built once per stored document. */
interface GrantIndex {
  grants: GrantsDocument;
  all: readonly Grant[];
  byAgent: ReadonlyMap<string, readonly Grant[]>;
  byAgentResource: ReadonlyMap<string, readonly Grant[]>;
}

const NO_GRANTS: readonly Grant[] = Object.freeze([]);

/** An agent id and a resource as one map key (ids hold no newline). */
function agentResourceKey(agentId: string, resource: string): string {
  return `${agentId}\n${resource}`;
}

function indexOf(grants: GrantsDocument): GrantIndex {
  const all = Object.values(grants).sort((a, b) => a.createdAt - b.createdAt);
  const byAgent = new Map<string, Grant[]>();
  const byAgentResource = new Map<string, Grant[]>();
  const add = (map: Map<string, Grant[]>, key: string, grant: Grant): void => {
    const found = map.get(key);
    if (found === undefined) map.set(key, [grant]);
    else found.push(grant);
  };
  for (const grant of all) {
    add(byAgent, grant.agentId, grant);
    add(byAgentResource, agentResourceKey(grant.agentId, grant.resource), grant);
  }
  for (const list of byAgentResource.values()) Object.freeze(list);
  return { grants, all, byAgent, byAgentResource };
}

export class GrantStore {
  private readonly section: VaultSection<'grants', z.infer<typeof GrantsSection>>;
  private readonly clock: Clock;
  private readonly lastUsed: DeferredWrites<number>;
  private index: GrantIndex | undefined;

  constructor(options: GrantStoreOptions) {
    this.section = new VaultSection(options.vault, {
      keys: ['grants'],
      schema: GrantsSection,
      what: 'grant data',
      hint: 'It may have been written by a newer Latchkey. Upgrade Latchkey.',
    });
    this.clock = options.clock ?? systemClock;
    this.lastUsed = new DeferredWrites<number>({
      write: (batch) => this.writeLastUsed(batch),
      intervalMs: options.markUsedIntervalMs ?? 60_000,
      scheduler: options.scheduler ?? systemScheduler,
      logger: options.logger ?? silentLogger,
      what: 'when grants were last used',
    });
  }

  /**
   * Every grant (expired ones too, for display), oldest first; an agent's (for one server) are
   * found by an index, not a scan. The grants are frozen: the stored objects themselves unless a newer last-used time
   * is pending, so a hand-out copies nothing it does not change.
   */
  list(filter: { agentId?: string; resource?: string } = {}): readonly Grant[] {
    const { agentId, resource } = filter;
    const index = this.indexed();
    const from = agentId === undefined ? index.all : resource === undefined ? (index.byAgent.get(agentId) ?? []) : this.listStored(agentId, resource);
    const found: Grant[] = [];
    for (const grant of from) if (resource === undefined || grant.resource === resource) found.push(this.withLastUsed(grant));
    return found;
  }

  /**
   * An agent's grants for one server, oldest first, as stored: one index lookup, nothing copied.
   * A last-used time still pending is not in them (list and get show it): for deciding a
   * hand-out, which never reads it.
   */
  listStored(agentId: string, resource: string): readonly Grant[] {
    return this.indexed().byAgentResource.get(agentResourceKey(agentId, resource)) ?? NO_GRANTS;
  }

  get(id: string): Grant | undefined {
    const grants = this.read();
    const grant = Object.hasOwn(grants, id) ? grants[id] : undefined;
    return grant === undefined ? undefined : this.withLastUsed(grant);
  }

  /** Creates a grant. GrantExists when the agent already has a live grant for the resource. */
  async create(input: CreateGrantInput): Promise<Grant> {
    const now = this.clock.now();
    if (!Id.safeParse(input.agentId).success) throw invalid('That is not an agent id.');
    const grant = Grant.parse({
      id: newId('grt'),
      agentId: input.agentId,
      resource: checkResource(input.resource),
      ...(input.account === undefined ? {} : { account: checkAccount(input.account) }),
      scopes: checkScopes(input.scopes),
      ...(input.maxTokenLifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds: checkLifetime(input.maxTokenLifetimeSeconds) }),
      ...(input.expiresAt === undefined ? {} : { expiresAt: checkExpiry(input.expiresAt, now) }),
      mode: GrantMode.parse(input.mode),
      createdAt: now,
      narrowing: 'unknown',
    });
    await this.mutate((grants) => {
      for (const existing of Object.values(grants)) {
        if (existing.agentId !== grant.agentId || existing.resource !== grant.resource || existing.account !== grant.account) continue;
        if (grantApplies(existing, grant.agentId, grant.resource, now)) {
          throw new LatchkeyError(ErrorCode.GrantExists, 'This agent already has a grant for that server and account.', {
            hint: 'Change the existing grant instead (`latchkey grant edit`), or revoke it first.',
            details: { grantId: existing.id },
          });
        }
        delete grants[existing.id];
      }
      grants[grant.id] = grant;
    });
    return grant;
  }

  /** Changes scopes, maximum token lifetime (≤ 1 h, or null: as issued), mode, narrowing or expiry. */
  async update(id: string, patch: GrantPatch): Promise<Grant> {
    const now = this.clock.now();
    const scopes = patch.scopes === undefined ? undefined : checkScopes(patch.scopes);
    const lifetime = patch.maxTokenLifetimeSeconds === undefined || patch.maxTokenLifetimeSeconds === null ? patch.maxTokenLifetimeSeconds : checkLifetime(patch.maxTokenLifetimeSeconds);
    const mode = patch.mode === undefined ? undefined : GrantMode.parse(patch.mode);
    const expiresAt = patch.expiresAt === undefined || patch.expiresAt === null ? patch.expiresAt : checkExpiry(patch.expiresAt, now);
    const updated = await this.mutate((grants) => {
      const current = Object.hasOwn(grants, id) ? grants[id] : undefined;
      if (current === undefined) throw grantNotFound(id);
      const scopesChanged = scopes !== undefined && scopes.join(' ') !== current.scopes.join(' ');
      const next: Grant = {
        ...current,
        ...(scopes === undefined ? {} : { scopes }),
        ...(lifetime === undefined || lifetime === null ? {} : { maxTokenLifetimeSeconds: lifetime }),
        ...(mode === undefined ? {} : { mode }),
        narrowing: patch.narrowing ?? (scopesChanged ? 'unknown' : current.narrowing),
      };
      if (lifetime === null) delete next.maxTokenLifetimeSeconds;
      if (expiresAt === null) delete next.expiresAt;
      else if (expiresAt !== undefined) next.expiresAt = expiresAt;
      const checked = Grant.parse(next);
      grants[id] = checked;
      return checked;
    });
    return this.withLastUsed(updated);
  }

  /** Deletes a grant: the next decide() for it no longer finds it. Returns what was removed. */
  async revoke(id: string): Promise<Grant> {
    const removed = await this.mutate((grants) => {
      const found = Object.hasOwn(grants, id) ? grants[id] : undefined;
      if (found === undefined) throw grantNotFound(id);
      delete grants[id];
      return found;
    });
    this.lastUsed.forget(id);
    return removed;
  }

  /** Deletes every grant of an agent (when it is removed). */
  async revokeForAgent(agentId: string): Promise<Grant[]> {
    const removed: Grant[] = [];
    await this.mutate((grants) => {
      for (const grant of Object.values(grants)) {
        if (grant.agentId !== agentId) continue;
        removed.push(grant);
        delete grants[grant.id];
      }
    });
    for (const grant of removed) this.lastUsed.forget(grant.id);
    return removed;
  }

  /** Notes a hand-out under the grant; written to the vault at most once per interval. */
  markUsed(id: string): void {
    this.lastUsed.set(id, this.clock.now());
  }

  /** Writes pending last-used times. Call before closing the vault. */
  close(): Promise<void> {
    return this.lastUsed.flush();
  }

  /** The grant as stored (frozen), or a frozen copy with the pending last-used time. */
  private withLastUsed(grant: Grant): Grant {
    const used = this.lastUsed.peek(grant.id);
    return used === undefined || used <= (grant.lastUsedAt ?? 0) ? grant : Object.freeze({ ...grant, lastUsedAt: used });
  }

  private read(): GrantsDocument {
    return this.section.read().grants;
  }

  /** The index of the grants as stored now (kept until they change). */
  private indexed(): GrantIndex {
    const grants = this.read();
    if (this.index?.grants !== grants) this.index = indexOf(grants);
    return this.index;
  }

  private async writeLastUsed(batch: ReadonlyMap<string, number>): Promise<void> {
    await this.mutate((grants) => {
      for (const [id, used] of batch) {
        const grant = Object.hasOwn(grants, id) ? grants[id] : undefined;
        if (grant !== undefined && used > (grant.lastUsedAt ?? 0)) grant.lastUsedAt = used;
      }
    });
  }

  private mutate<R>(apply: (grants: GrantsDocument) => R): Promise<R> {
    return this.section.update((draft) => apply(draft.grants));
  }
}
