/** One pending approval: who asks, for which server, which scopes, how long; and the decision. */
import { useId, useState } from 'react';
import type { Approval } from '../../../shared/agents.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { formatDuration, formatSeconds } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { UrlFactsView } from '../../components/UrlFacts.js';

const TITLES: Record<Approval['kind'], string> = {
  consent: 'asks for a token',
  'step-up': 'asks for more scopes',
  enrolment: 'asks to enrol as a new agent',
  'url-elicitation': 'asks you to open a page',
  'elicitation-retry': 'is waiting for you to finish on a page',
};

export function ApprovalCard({ approval }: { approval: Approval }) {
  const decide = useWallet((s) => s.decideApproval);
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const headingId = useId();
  const remaining = approval.expiresAt - now;
  const expired = remaining <= 0;
  const canRemember = approval.kind === 'consent' || approval.kind === 'step-up';

  const run = async (decision: 'approve' | 'deny', remember?: boolean): Promise<void> => {
    setBusy(true);
    try {
      await decide(approval.id, decision, remember);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card approval" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        <Text value={approval.agentName} /> {TITLES[approval.kind]}
      </h2>
      <dl className="facts">
        <dt>Agent</dt>
        <dd>
          <Text value={approval.agentName} />
          {approval.agentId === undefined && <span className="tag">not enrolled</span>}
        </dd>
        {approval.resource !== undefined && (
          <>
            <dt>Server</dt>
            <dd>
              <Text value={approval.resource} ltr />
            </dd>
          </>
        )}
        {approval.url !== undefined && (
          <>
            <dt>Page</dt>
            <dd>
              <UrlFactsView url={approval.url} />
            </dd>
          </>
        )}
        {approval.message !== undefined && (
          <>
            <dt>Message</dt>
            <dd>
              <Text value={approval.message} wrap />
            </dd>
          </>
        )}
        {approval.scopes !== undefined && (
          <>
            <dt>Scopes</dt>
            <dd>
              <Scopes scopes={approval.scopes} />
            </dd>
          </>
        )}
        {approval.lifetimeSeconds !== undefined && (
          <>
            <dt>Token lifetime</dt>
            <dd>{formatSeconds(approval.lifetimeSeconds)}</dd>
          </>
        )}
        <dt>Expires in</dt>
        <dd>
          <span className={remaining < 30_000 ? 'countdown urgent' : 'countdown'} role="timer" aria-label="Expires in">
            {expired ? 'expired' : formatDuration(remaining)}
          </span>
        </dd>
      </dl>
      <div className="actions">
        {canRemember ? (
          <>
            <button type="button" className="button primary" disabled={busy || expired} onClick={() => void run('approve')}>
              Approve once
            </button>
            <button type="button" className="button" disabled={busy || expired} onClick={() => void run('approve', true)}>
              Approve and remember
            </button>
          </>
        ) : (
          <button type="button" className="button primary" disabled={busy || expired} onClick={() => void run('approve')}>
            Approve
          </button>
        )}
        <button type="button" className="button danger" disabled={busy || expired} onClick={() => void run('deny')}>
          Deny
        </button>
      </div>
    </article>
  );
}
