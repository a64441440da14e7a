/**
 * Answers the owner asked Latchkey to remember, kept in the vault under 'remembered':
 * - allowed sites: (server, registrable domain) pairs whose URL elicitations open without asking,
 *   chosen with "always allow" on an approval (only for URLs without any warning);
 * - declined step-ups: (agent, resource, scopes) the owner refused, so the agent cannot nag: a later
 *   step-up is refused when any scope new in it was declined before (rewording the set, or asking
 *   for one of them alone, does not get the owner asked again).
 * Every change is one atomic vault write; reads come from the vault's frozen document.
 */
import { z } from 'zod';
import type { AllowedSite } from '../../../shared/api.js';
import { systemClock, type Clock } from '../../base/ports.js';
import { VaultSection, type Vault } from '../vault/index.js';

const Remembered = z.object({
  allowedSites: z.array(z.object({ server: z.string(), site: z.string(), createdAt: z.number() })).default([]),
  declinedStepUps: z.array(z.object({ agentId: z.string(), resource: z.string(), scopes: z.array(z.string()), at: z.number() })).default([]),
});
type Remembered = z.infer<typeof Remembered>;
/** What cannot be read is forgotten rather than refused: these are conveniences, not permissions. */
const RememberedSection = z.object({ remembered: Remembered.catch(() => ({ allowedSites: [], declinedStepUps: [] })) });

/** Bounds so a flood of decisions cannot grow the vault without limit (T15). */
const MAX_ALLOWED_SITES = 500;
const MAX_DECLINED_STEP_UPS = 1000;

export class RememberedAnswers {
  private readonly clock: Clock;
  private readonly section: VaultSection<'remembered', z.infer<typeof RememberedSection>>;

  constructor(vault: Vault, options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
    this.section = new VaultSection(vault, { keys: ['remembered'], schema: RememberedSection, what: 'remembered answers', hint: 'Upgrade Latchkey.' });
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

  /** Whether any of `scopes` is one the owner declined in a step-up for this agent and resource. */
  isStepUpDeclined(agentId: string, resource: string, scopes: readonly string[]): boolean {
    const declined = this.declinedScopes(agentId, resource);
    return scopes.some((scope) => declined.has(scope));
  }

  /** Every scope the owner declined in a step-up for this agent and resource (the token plan's input). */
  declinedStepUps(agentId: string, resource: string): string[] {
    return [...this.declinedScopes(agentId, resource)];
  }

  async declineStepUp(agentId: string, resource: string, scopes: readonly string[]): Promise<void> {
    const declined = this.declinedScopes(agentId, resource);
    if (scopes.every((scope) => declined.has(scope))) return;
    const entry = { agentId, resource, scopes: [...new Set(scopes)].sort(), at: this.clock.now() };
    await this.write((doc) => ({ ...doc, declinedStepUps: [...doc.declinedStepUps, entry].slice(-MAX_DECLINED_STEP_UPS) }));
  }

  /** The owner removed the agent or widened its grant by hand: its declined step-ups are forgotten. */
  async forgetStepUps(agentId: string, resource?: string): Promise<void> {
    const keep = (entry: Remembered['declinedStepUps'][number]): boolean => entry.agentId !== agentId || (resource !== undefined && entry.resource !== resource);
    if (this.read().declinedStepUps.every(keep)) return;
    await this.write((doc) => ({ ...doc, declinedStepUps: doc.declinedStepUps.filter(keep) }));
  }

  private declinedScopes(agentId: string, resource: string): Set<string> {
    const entries = this.read().declinedStepUps.filter((entry) => entry.agentId === agentId && entry.resource === resource);
    return new Set(entries.flatMap((entry) => entry.scopes));
  }

  private read(): Remembered {
    return this.section.read().remembered;
  }

  private write(change: (doc: Remembered) => Remembered): Promise<void> {
    return this.section.update((draft) => {
      draft.remembered = change(draft.remembered);
    });
  }
}
