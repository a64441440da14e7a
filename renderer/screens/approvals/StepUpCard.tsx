/**
 * An agent's server wants scopes the connection lacks. The card is about THIS AGENT: the scopes
 * it can use now (its grant's, as far as the connection holds them), and the scopes it will hold
 * after approval with every one new for it marked (even when the connection already held it, or
 * its grant already named it but the connection lacked it: the lists never match). Signing in again re-authorizes the
 * connection and grants them to the agent; declining is remembered.
 */
import type { Approval } from '../../../shared/agents.js';
import { Text } from '../../components/Text.js';
import { markAddedScopes } from './approval-view.js';
import { AgentFact, DecisionButtons, ServerFact, TimeLeft, useDecision } from './parts.js';

/** Scopes as inert text; `marked` ones (what the upgrade adds) stand out and say "new". */
function ScopeList({ label, scopes }: { label: string; scopes: Array<{ scope: string; added: boolean }> }) {
  if (scopes.length === 0) return <span className="muted">no scopes</span>;
  return (
    <ul className="scopes" aria-label={label}>
      {scopes.map(({ scope, added }, index) => (
        <li key={`${index}:${scope}`} className={added ? 'scope-added' : undefined} data-added={added ? 'true' : undefined}>
          <Text value={scope} ltr />
          {added && <span className="scope-new"> new</span>}
        </li>
      ))}
    </ul>
  );
}

export function StepUpBody({ approval }: { approval: Approval }) {
  const decision = useDecision(approval);
  return (
    <>
      <dl className="facts">
        <AgentFact approval={approval} />
        <ServerFact server={approval.resource} account={approval.account} />
        <dt>Agent holds now</dt>
        <dd>
          <ScopeList label="Agent holds now" scopes={(approval.currentScopes ?? []).map((scope) => ({ scope, added: false }))} />
        </dd>
        <dt>Agent holds after</dt>
        <dd>
          <ScopeList label="Agent holds after" scopes={markAddedScopes(approval.currentScopes, approval.scopes)} />
        </dd>
        <TimeLeft expiresAt={approval.expiresAt} />
      </dl>
      <p className="muted small-print">
        Signing in again opens the server&apos;s sign-in page in your browser and re-authorizes Latchkey&apos;s connection to it with the new scopes;
        then <Text value={approval.agentName} /> gets the scopes marked new. If you decline, Latchkey remembers it: <Text value={approval.agentName} /> is
        not asked about these scopes on this server again.
      </p>
      <DecisionButtons decision={decision} approve="Sign in again to grant" deny="Decline" />
    </>
  );
}
