/**
 * Answers the owner asked Latchkey to remember, kept in the vault under 'remembered':
 * - allowed sites: (server, registrable domain) pairs whose URL elicitations open without asking,
 *   chosen with "always allow" on an approval (only for URLs without any warning);
 * - declined step-ups: (agent, resource, scope set) the owner refused, so the agent cannot nag.
 * Every change is one atomic vault write; reads come from the vault's frozen document.
 */
import { z } from 'zod';
import type { AllowedSite } from '../../../shared/api.js';
import { systemClock, type Clock } from '../ports.js';
import type { Vault } from '../vault/index.js';

const Remembered = z.object({
  allowedSites: z.array(z.object({ server: z.string(), site: z.string(), createdAt: z.number() })).default([]),
  declinedStepUps: z.array(z.object({ agentId: z.string(), resource: z.string(), scopes: z.array(z.string()), at: z.number() })).default([]),
});
type Remembered = z.infer<typeof Remembered>;

/** Bounds so a flood of decisions cannot grow the vault without limit (T15). */
const MAX_ALLOWED_SITES = 500;
const MAX_DECLINED_STEP_UPS = 1000;

export class RememberedAnswers {
  private readonly clock: Clock;

  constructor(private readonly vault: Vault, options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  allowedSites(filter: { server?: string } = {}): AllowedSite[] {
    return this.read().allowedSites.filter((entry) => filter.server === undefined || entry.server === filter.server).map((entry) => ({ ...entry }));
  }

  isSiteAllowed(server: string, site: string): boolean {
    return this.read().allowedSites.some((entry) => entry.server === server && entry.site === site);
  }

  async allowSite(server: string, site: string): Promise<void> {
    if (this.isSiteAllowed(server, site)) return;
    await this.write((doc) => ({ ...doc, allowedSites: [...doc.allowedSites, { server, site, createdAt: this.clock.now() }].slice(-MAX_ALLOWED_SITES) }));
  }

  /** False when there was nothing to remove. */
  async removeSite(server: string, site: string): Promise<boolean> {
    if (!this.isSiteAllowed(server, site)) return false;
    await this.write((doc) => ({ ...doc, allowedSites: doc.allowedSites.filter((entry) => !(entry.server === server && entry.site === site)) }));
    return true;
  }

  /** Whether the owner declined exactly this scope set (or a subset of it) for this agent and resource. */
  isStepUpDeclined(agentId: string, resource: string, scopes: readonly string[]): boolean {
    return this.read().declinedStepUps.some(
      (entry) => entry.agentId === agentId && entry.resource === resource && entry.scopes.every((scope) => scopes.includes(scope)),
    );
  }

  async declineStepUp(agentId: string, resource: string, scopes: readonly string[]): Promise<void> {
    if (this.isStepUpDeclined(agentId, resource, scopes)) return;
    const entry = { agentId, resource, scopes: [...new Set(scopes)].sort(), at: this.clock.now() };
    await this.write((doc) => ({ ...doc, declinedStepUps: [...doc.declinedStepUps, entry].slice(-MAX_DECLINED_STEP_UPS) }));
  }

  /** The owner removed the agent or widened its grant by hand: its declined step-ups are forgotten. */
  async forgetStepUps(agentId: string, resource?: string): Promise<void> {
    const keep = (entry: Remembered['declinedStepUps'][number]): boolean => entry.agentId !== agentId || (resource !== undefined && entry.resource !== resource);
    if (this.read().declinedStepUps.every(keep)) return;
    await this.write((doc) => ({ ...doc, declinedStepUps: doc.declinedStepUps.filter(keep) }));
  }

  private read(): Remembered {
    const parsed = Remembered.safeParse(this.vault.read()['remembered'] ?? {});
    return parsed.success ? parsed.data : { allowedSites: [], declinedStepUps: [] };
  }

  private write(change: (doc: Remembered) => Remembered): Promise<void> {
    return this.vault.update((raw) => {
      const parsed = Remembered.safeParse(raw['remembered'] ?? {});
      raw['remembered'] = change(parsed.success ? parsed.data : { allowedSites: [], declinedStepUps: [] });
    });
  }
}
