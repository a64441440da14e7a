/** One pending approval: who asks, for what, how long is left; and the decision, by kind. */
import { useId } from 'react';
import type { Approval } from '../../../shared/agents.js';
import { describeRequester } from '../../../shared/requester.js';
import { formatSeconds } from '../../components/format.js';
import { Scopes, Text } from '../../components/Text.js';
import { approvalTitle } from './approval-view.js';
import { ElicitationBody, RetryBody } from './ElicitationCard.js';
import { AgentFact, ServerFact, TimeLeft, useDecision } from './parts.js';
import { StepUpBody } from './StepUpCard.js';

export function ApprovalCard({ approval }: { approval: Approval }) {
  const headingId = useId();
  // The heading names the card. Its values wrap inline (no inline-block), so the name reads without gaps.
  return (
    <article className={`card approval approval-${approval.kind}`} aria-labelledby={headingId} data-kind={approval.kind}>
      <h2 id={headingId} className="card-title">
        {approvalTitle(approval).map((part, index) =>
          typeof part === 'string' ? part : <Text key={index} value={part.value} ltr={part.ltr === true} wrap />,
        )}
      </h2>
      <ApprovalBody approval={approval} />
    </article>
  );
}

function ApprovalBody({ approval }: { approval: Approval }) {
  switch (approval.kind) {
    case 'url-elicitation':
      return <ElicitationBody approval={approval} />;
    case 'elicitation-retry':
      return <RetryBody approval={approval} />;
    case 'step-up':
      return <StepUpBody approval={approval} />;
    case 'consent':
    case 'enrolment':
      return <ConsentBody approval={approval} />;
  }
}

/** Which process asks to enrol (T32): pid, program and working directory as inert text, or "requester unknown". */
function RequesterFact({ approval }: { approval: Approval }) {
  return (
    <>
      <dt>Requested by</dt>
      <dd data-testid="requester">
        <Text value={describeRequester(approval.requester)} ltr wrap />
        {approval.requester === undefined && <span className="tag">Latchkey could not tell which program asks</span>}
      </dd>
    </>
  );
}

/** A token without a grant (approve once, or remember as a grant), or a new agent's enrolment. */
function ConsentBody({ approval }: { approval: Approval }) {
  const { disabled, decide } = useDecision(approval);
  const canRemember = approval.kind === 'consent';
  return (
    <>
      <dl className="facts">
        <AgentFact approval={approval} />
        {approval.kind === 'enrolment' && <RequesterFact approval={approval} />}
        <ServerFact server={approval.resource} account={approval.account} />
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
        <TimeLeft expiresAt={approval.expiresAt} />
      </dl>
      <div className="actions">
        {canRemember ? (
          <>
            <button type="button" className="button primary" disabled={disabled} onClick={() => decide('approve')}>
              Approve once
            </button>
            <button type="button" className="button" disabled={disabled} onClick={() => decide('approve', true)}>
              Approve and remember
            </button>
          </>
        ) : (
          <button type="button" className="button primary" disabled={disabled} onClick={() => decide('approve')}>
            Approve
          </button>
        )}
        <button type="button" className="button danger" disabled={disabled} onClick={() => decide('deny')}>
          Deny
        </button>
      </div>
    </>
  );
}
