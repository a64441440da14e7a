/** The audit log: the newest entries for the chosen filter, the chain check, and an export. */
import type { AuditFilter } from '../../../shared/api.js';
import { singleFlight } from '../single-flight.js';
import type { ActivitySlice, AuditView, SliceContext } from '../types.js';

/** How many of the newest entries the window shows. */
export const AUDIT_PAGE = 500;

function filterOf(view: AuditView): AuditFilter {
  return {
    ...(view.agentId === undefined ? {} : { agentId: view.agentId }),
    ...(view.resource === undefined ? {} : { resource: view.resource }),
    ...(view.outcome === undefined ? {} : { outcome: view.outcome }),
  };
}

export function createActivitySlice({ client, set, get, report, track }: SliceContext): ActivitySlice {
  const load = singleFlight(() =>
    track('audit', async () => {
      const view = get().auditView;
      const audit = await client.call('queryAudit', { ...filterOf(view), limit: AUDIT_PAGE });
      if (get().auditView !== view) return; // the filter changed meanwhile: a newer read follows
      const seen = new Set(get().knownResources);
      for (const event of audit) if (event.resource !== undefined) seen.add(event.resource);
      set({ audit, knownResources: [...seen].sort() });
    }),
  );
  const verify = singleFlight(() =>
    track('verification', async () => {
      set({ verification: await client.call('verifyAudit', {}) });
    }),
  );

  return {
    audit: [],
    auditView: {},
    knownResources: [],
    verification: undefined,
    loadAudit: load,
    setAuditView: (view) => {
      set({ auditView: { ...view } });
      return load();
    },
    verifyAudit: verify,
    exportAudit: async () => {
      try {
        const entries = await client.call('queryAudit', filterOf(get().auditView));
        return entries.map((entry) => JSON.stringify(entry)).join('\n') + (entries.length > 0 ? '\n' : '');
      } catch (error) {
        report('Export activity', error);
        return undefined;
      }
    },
  };
}
