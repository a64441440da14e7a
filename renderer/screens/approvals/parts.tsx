/** Pieces the approval cards share: the decision state and buttons, the agent line, the page, the countdown. */
import { useState } from 'react';
import type { Approval } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { formatDuration } from '../../components/format.js';
import { Text } from '../../components/Text.js';
import { UrlFactsView } from '../../components/UrlFacts.js';
import { hostOf } from './approval-view.js';

export interface Decision {
  /** True while a decision is on its way, or once the approval has expired: the buttons are off. */
  disabled: boolean;
  decide(decision: 'approve' | 'deny', remember?: boolean): void;
}

/** Sends one decision at a time for `approval`. */
export function useDecision(approval: Approval): Decision {
  const decideApproval = useWallet((s) => s.decideApproval);
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const decide = (decision: 'approve' | 'deny', remember?: boolean): void => {
    setBusy(true);
    void decideApproval(approval.id, decision, remember).finally(() => setBusy(false));
  };
  return { disabled: busy || approval.expiresAt <= now, decide };
}

export function AgentFact({ approval }: { approval: Approval }) {
  return (
    <>
      <dt>Agent</dt>
      <dd>
        <Text value={approval.agentName} />
        {approval.agentId === undefined && <span className="tag">not enrolled</span>}
      </dd>
    </>
  );
}

/** The server that asks: its host first, the full URL after it. */
/** The server an approval is about and, for a labelled one, which of the owner's accounts on it (T8). */
export function ServerFact({ server, account }: { server: string | undefined; account?: string | undefined }) {
  if (server === undefined) return null;
  const host = hostOf(server);
  return (
    <>
      <dt>Server</dt>
      <dd>
        <strong data-testid="server-host">
          <Text value={host} ltr />
        </strong>
        {host !== server && (
          <span className="muted">
            {' '}
            <Text value={server} ltr />
          </span>
        )}
      </dd>
      {account !== undefined && (
        <>
          <dt>Account</dt>
          <dd>
            <strong data-testid="server-account">
              <Text value={account} />
            </strong>
          </dd>
        </>
      )}
    </>
  );
}

/** How long the owner has left; no decision in time counts as a refusal. */
export function TimeLeft({ expiresAt }: { expiresAt: number }) {
  const remaining = expiresAt - useNow();
  return (
    <>
      <dt>Time left</dt>
      <dd>
        <span className={remaining < 30_000 ? 'countdown urgent' : 'countdown'} role="timer" aria-label="Time left">
          {remaining <= 0 ? 'expired' : formatDuration(remaining)}
        </span>
      </dd>
    </>
  );
}

/** The page a server wants opened (inert text with its real site and warnings) and the server's message. */
export function PageFacts({ approval }: { approval: Approval }) {
  return (
    <>
      <dt>Page</dt>
      <dd>{approval.url === undefined ? <span className="muted">no address given</span> : <UrlFactsView url={approval.url} server={approval.resource} />}</dd>
      {approval.message !== undefined && (
        <>
          <dt>Message</dt>
          <dd className="server-message">
            <Text value={approval.message} wrap />
          </dd>
        </>
      )}
    </>
  );
}

/** The two answers of a card: approve (primary) and deny. */
export function DecisionButtons({ decision, approve, deny, onApprove }: { decision: Decision; approve: string; deny: string; onApprove?: () => void }) {
  const { disabled, decide } = decision;
  return (
    <div className="actions">
      <button type="button" className="button primary" disabled={disabled} onClick={onApprove ?? (() => decide('approve'))}>
        {approve}
      </button>
      <button type="button" className="button danger" disabled={disabled} onClick={() => decide('deny')}>
        {deny}
      </button>
    </div>
  );
}
