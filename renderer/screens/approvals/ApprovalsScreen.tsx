/** Pending approvals (consents, enrolments, step-ups, pages to open, retries), oldest first, each with its decision buttons. */
import { useWallet } from '../../app/store-context.js';
import { EmptyState, Loaded, Screen } from '../../components/Screen.js';
import { selectApprovals } from '../../store/selectors.js';
import { ApprovalCard } from './ApprovalCard.js';

export function ApprovalsScreen() {
  const approvals = useWallet(selectApprovals);
  return (
    <Screen title="Approvals" intro="Agents ask here before they get a token for a server they have no grant for, new programs ask to enrol, and servers ask you to open a page or grant more scopes.">
      <Loaded collection="approvals">
        {approvals.length === 0 ? (
          <EmptyState title="Nothing is waiting for you.">
            When an agent asks for access — for example <code>latchkey run --agent ci-bot -- your-agent</code> — the request
            appears here at once, and you choose: approve once, approve and remember, or deny.
          </EmptyState>
        ) : (
          <ul className="cards" aria-label="Pending approvals">
            {approvals.map((approval) => (
              <li key={approval.id}>
                <ApprovalCard approval={approval} />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Screen>
  );
}
