/**
 * A server asks the owner to open a page (protocol.md E3, threat T21): who asks, the site the page
 * really goes to, the whole address as inert text (never a link, never fetched), the server's
 * message as plain text, the warnings; "Open page" or "Decline", and "always allow" for safe pages.
 */
import { useId, useState } from 'react';
import type { Approval } from '../../../shared/agents.js';
import { Text } from '../../components/Text.js';
import { rememberableSite } from './approval-view.js';
import { AgentFact, DecisionButtons, PageFacts, ServerFact, TimeLeft, useDecision } from './parts.js';

export function ElicitationBody({ approval }: { approval: Approval }) {
  const decision = useDecision(approval);
  const { disabled } = decision;
  const [remember, setRemember] = useState(false);
  const rememberId = useId();
  const site = rememberableSite(approval.url, approval.resource);
  return (
    <>
      <dl className="facts">
        <AgentFact approval={approval} />
        <ServerFact server={approval.resource} />
        <PageFacts approval={approval} />
        <TimeLeft expiresAt={approval.expiresAt} />
      </dl>
      <p className="muted small-print">The page opens in your browser only if you choose Open page. Latchkey has not visited it.</p>
      {site !== undefined && (
        <p className="remember">
          <input id={rememberId} type="checkbox" checked={remember} disabled={disabled} onChange={(event) => setRemember(event.target.checked)} />
          <label htmlFor={rememberId}>
            Always allow pages on <Text value={site} ltr /> from this server
          </label>
        </p>
      )}
      <DecisionButtons decision={decision} approve="Open page" deny="Decline" onApprove={() => decision.decide('approve', site !== undefined && remember)} />
    </>
  );
}

/** After the page was opened, the agent's request waits: retry it now, or give up. */
export function RetryBody({ approval }: { approval: Approval }) {
  const decision = useDecision(approval);
  return (
    <>
      <dl className="facts">
        <AgentFact approval={approval} />
        <ServerFact server={approval.resource} />
        <PageFacts approval={approval} />
        <TimeLeft expiresAt={approval.expiresAt} />
      </dl>
      <p className="muted small-print">When you have finished on the page, retry; the request also goes on by itself once the server says you are done.</p>
      <DecisionButtons decision={decision} approve="Retry now" deny="Give up" />
    </>
  );
}
