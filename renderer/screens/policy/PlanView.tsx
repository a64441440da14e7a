/**
 * The plan the owner confirms: every change in `latchkey policy diff`'s words, what widens an
 * agent's access marked, removals set apart; then "Apply N changes", which applies exactly this
 * plan (its digest) or is refused when the wallet changed since.
 */
import { InlineError } from '../../components/InlineError.js';
import { Text } from '../../components/Text.js';
import type { PlannedPolicy, UiError } from '../../store/index.js';
import type { PolicyPlan } from '../../../shared/policy.js';
import { describeChange, summarizePlan, type ChangeWords } from '../../../shared/policy-wording.js';

export type Applying = { state: 'idle' | 'busy' } | { state: 'applied'; plan: PolicyPlan } | { state: 'refused'; error: UiError; stale: boolean };

interface PlanViewProps {
  planned: PlannedPolicy;
  applying: Applying;
  onApply: (planned: PlannedPolicy) => void;
  onReviewAgain: () => void;
}

const STALE_NEXT = 'Review the changes again: the list above is no longer what this file would do. Nothing was applied.';

export function PlanView({ planned, applying, onApply, onReviewAgain }: PlanViewProps) {
  const { changes } = planned.plan;
  const count = changes.length;
  return (
    <div className="policy-plan">
      <h3 className="subheading">What applying this file would change</h3>
      {count > 0 && (
        <ol className="plan-changes" aria-label="Planned changes">
          {changes.map((change, index) => (
            <ChangeItem key={index} lines={describeChange(change)} />
          ))}
        </ol>
      )}
      <p role="status">{summarizePlan(planned.plan)}</p>
      {count > 0 && applying.state !== 'applied' && (
        <div className="actions">
          <button type="button" className="button primary" disabled={applying.state === 'busy' || (applying.state === 'refused' && applying.stale)} onClick={() => onApply(planned)}>
            {`Apply ${count} change${count === 1 ? '' : 's'}`}
          </button>
        </div>
      )}
      {applying.state === 'applied' && <Applied plan={applying.plan} />}
      {applying.state === 'refused' && (
        <>
          <InlineError error={applying.error} {...(applying.stale ? { hint: STALE_NEXT } : {})} />
          {applying.stale && (
            <div className="actions">
              <button type="button" className="button" onClick={onReviewAgain}>
                Review again
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function ChangeItem({ lines }: { lines: ChangeWords }) {
  const classes = ['plan-change', lines.removes ? 'plan-remove' : '', lines.widens ? 'plan-widen' : ''].filter(Boolean).join(' ');
  return (
    <li className={classes}>
      <div className="plan-headline">
        <span className="plan-sign" aria-hidden="true">
          {lines.sign}
        </span>
        <Text value={lines.headline} wrap />
        {lines.widens && <span className="tag tag-widens">widens access</span>}
      </div>
      {lines.details.map((detail, index) => (
        <p key={index} className="plan-detail">
          <Text value={detail.label === undefined ? detail.text : `${detail.label}: ${detail.text}`} wrap ltr />
        </p>
      ))}
    </li>
  );
}

function Applied({ plan }: { plan: PolicyPlan }) {
  const count = plan.changes.length;
  const added = plan.changes.flatMap((change) => (change.kind === 'agent.add' ? [change.agent] : []));
  return (
    <div className="policy-applied" role="status">
      <p>
        Applied {count} change{count === 1 ? '' : 's'}; each is in the audit log as yours.
      </p>
      {added.map((name) => (
        <p key={name} className="muted">
          Agent <Text value={name} /> has no secret of its own: run it with <code>latchkey run --agent {name} -- &lt;command&gt;</code>.
        </p>
      ))}
    </div>
  );
}
