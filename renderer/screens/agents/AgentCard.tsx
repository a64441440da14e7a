/** One agent: what it is, when it was last seen, its grants and sessions, and removing it. */
import { useId } from 'react';
import type { AgentSummary } from '../../../shared/agents.js';
import { useWallet, useWalletShallow } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatRelative, formatTime } from '../../components/format.js';
import { Text } from '../../components/Text.js';
import { selectAgentClientsOf, selectGrantsOf, selectSessionsOf } from '../../store/selectors.js';
import { AddGrantButton } from './AddGrant.js';
import { GrantsTable } from './GrantsTable.js';
import { OwnClients } from './OwnClients.js';
import { SessionsList } from './SessionsList.js';

export function AgentCard({ agent }: { agent: AgentSummary }) {
  const grants = useWalletShallow(selectGrantsOf(agent.id));
  const sessions = useWalletShallow(selectSessionsOf(agent.id));
  const ownClients = useWalletShallow(selectAgentClientsOf(agent.id));
  const removeAgent = useWallet((s) => s.removeAgent);
  const now = useNow();
  const headingId = useId();

  return (
    <article className="card" aria-labelledby={headingId}>
      <header className="card-header">
        <h2 id={headingId} className="card-title">
          <Text value={agent.name} />
        </h2>
        <span className="tag">{agent.kind}</span>
        <ConfirmButton
          label="Remove agent"
          title="Remove this agent?"
          confirmLabel="Remove"
          onConfirm={() => removeAgent(agent.id)}
        >
          <p>
            <Text value={agent.name} wrap />&apos;s secret stops working at once, its {grants.length} grant(s) are revoked and its{' '}
            {sessions.length} session(s) end.
            {ownClients.length > 0 && ` Its ${ownClients.length} own client(s) and their keys are deleted from the vault.`} Its audit entries are kept.
          </p>
        </ConfirmButton>
      </header>
      <dl className="facts">
        <dt>Enrolled</dt>
        <dd>{formatTime(agent.createdAt)}</dd>
        <dt>Last seen</dt>
        <dd title={agent.lastSeenAt === undefined ? undefined : formatTime(agent.lastSeenAt)}>{formatRelative(agent.lastSeenAt, now)}</dd>
      </dl>
      <div className="subheading-row">
        <h3 className="subheading">Grants</h3>
        <AddGrantButton agent={agent} />
      </div>
      <GrantsTable grants={grants} />
      <OwnClients agent={agent} />
      <h3 className="subheading">Sessions</h3>
      <SessionsList sessions={sessions} />
    </article>
  );
}
