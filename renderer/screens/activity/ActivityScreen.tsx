/** The audit log: filters, the chain's verification, export, and the newest entries (live). */
import { useWallet, useWalletShallow } from '../../app/store-context.js';
import { EmptyState, Loaded, Screen } from '../../components/Screen.js';
import { AUDIT_PAGE } from '../../store/slices/activity.js';
import { selectAudit, selectAuditView, selectHiddenSessionCount, selectShownAudit } from '../../store/selectors.js';
import { AuditFilters } from './AuditFilters.js';
import { AuditTable } from './AuditTable.js';
import { ChainStatus } from './ChainStatus.js';
import { ExportButton } from './ExportButton.js';

export function ActivityScreen() {
  const all = useWallet(selectAudit);
  const audit = useWalletShallow(selectShownAudit);
  const hiddenSessions = useWallet(selectHiddenSessionCount);
  const view = useWallet(selectAuditView);
  const filtered = view.agentId !== undefined || view.resource !== undefined || view.outcome !== undefined;
  return (
    <Screen title="Activity" intro="Everything the wallet did for your agents: tokens handed out and refused, approvals, grants, sessions. Newest first.">
      <div className="toolbar">
        <AuditFilters />
        <ExportButton />
      </div>
      <ChainStatus />
      <Loaded collection="audit">
        {hiddenSessions > 0 && (
          <p className="muted" role="status">
            {hiddenSessions} session {hiddenSessions === 1 ? 'start or end is' : 'starts and ends are'} folded away: tick &ldquo;Show session starts and ends&rdquo; to see them.
          </p>
        )}
        {audit.length === 0 ? (
          filtered || hiddenSessions > 0 ? (
            <EmptyState title="No entries match these filters.">Choose “All” in the filters above to see everything.</EmptyState>
          ) : (
            <EmptyState title="Nothing has happened yet.">
              Entries appear here as agents ask for tokens and you approve, grant or revoke. Start one with{' '}
              <code>latchkey run --agent &lt;name&gt; -- &lt;command&gt;</code>.
            </EmptyState>
          )
        ) : (
          <>
            <AuditTable entries={audit} />
            {all.length >= AUDIT_PAGE && <p className="muted">Showing the newest {AUDIT_PAGE} entries. Export for all of them.</p>}
          </>
        )}
      </Loaded>
    </Screen>
  );
}
