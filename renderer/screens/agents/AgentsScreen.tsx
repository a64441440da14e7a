/** Every enrolled agent with its grants and running sessions. */
import { useWallet } from '../../app/store-context.js';
import { EmptyState, Loaded, Screen } from '../../components/Screen.js';
import { selectAgents } from '../../store/selectors.js';
import { AddAgentButton } from './AddAgent.js';
import { AddAutonomousAgentButton } from './AddAutonomousAgent.js';
import { AgentCard } from './AgentCard.js';

export function AgentsScreen() {
  const agents = useWallet(selectAgents);
  return (
    <Screen title="Agents" intro="Each agent's grants (which servers, which scopes, how long a token lives) and its running sessions.">
      <div className="toolbar">
        <div className="toolbar-buttons">
          <AddAgentButton />
          <AddAutonomousAgentButton />
        </div>
      </div>
      <Loaded collection="agents">
        {agents.length === 0 ? (
          <EmptyState title="No agents yet.">
            Add one with &ldquo;Add agent&rdquo; (or <code>latchkey agent add &lt;name&gt;</code>), then start it with{' '}
            <code>latchkey run --agent &lt;name&gt; -- &lt;command&gt;</code>. Its first request for a server asks you in Approvals.
          </EmptyState>
        ) : (
          <ul className="cards" aria-label="Agents">
            {agents.map((agent) => (
              <li key={agent.id}>
                <AgentCard agent={agent} />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Screen>
  );
}
