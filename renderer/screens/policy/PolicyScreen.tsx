/**
 * Grants as code in the window (T41): export the wallet's agents, grants and allowed sites as the
 * policy file; read a file (picked or pasted), review the plan — each change in
 * `latchkey policy diff`'s words, widenings marked, removals prominent — and apply exactly that plan by its digest.
 * The owner's click on "Apply" is the confirmation; a plan the wallet no longer matches is refused.
 */
import { useState } from 'react';
import { useWallet } from '../../app/store-context.js';
import { InlineError } from '../../components/InlineError.js';
import { Screen } from '../../components/Screen.js';
import type { PlannedPolicy, UiError } from '../../store/index.js';
import { ExportPolicy } from './ExportPolicy.js';
import { PlanView, type Applying } from './PlanView.js';
import { PolicyInput } from './PolicyInput.js';

const STALE = 'policy.stale';

export function PolicyScreen() {
  const planPolicyText = useWallet((s) => s.planPolicyText);
  const applyPolicy = useWallet((s) => s.applyPolicy);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<UiError | undefined>(undefined);
  const [planned, setPlanned] = useState<PlannedPolicy | undefined>(undefined);
  const [applying, setApplying] = useState<Applying>({ state: 'idle' });

  const review = async (): Promise<void> => {
    setBusy(true);
    setApplying({ state: 'idle' });
    const outcome = await planPolicyText(text);
    setBusy(false);
    setProblem(outcome.ok ? undefined : outcome.error);
    setPlanned(outcome.ok ? outcome.value : undefined);
  };

  const apply = async (confirmed: PlannedPolicy): Promise<void> => {
    setApplying({ state: 'busy' });
    const outcome = await applyPolicy(confirmed);
    if (outcome.ok) setApplying({ state: 'applied', plan: outcome.value });
    else setApplying({ state: 'refused', error: outcome.error, stale: outcome.error.code === STALE });
  };

  const edit = (next: string): void => {
    setText(next);
    setPlanned(undefined);
    setProblem(undefined);
    setApplying({ state: 'idle' });
  };

  return (
    <Screen
      title="Policy"
      intro="Your agents, their grants and the sites servers may open, as a file you can keep in version control and review like code. It never holds a secret."
    >
      <ExportPolicy />
      <section className="card" aria-label="Apply a policy file">
        <h2 className="card-title">Apply a policy file</h2>
        <p className="muted">
          Pick or paste a file, review what it would change, then apply exactly those changes (the same as <code>latchkey policy diff</code> and{' '}
          <code>latchkey policy apply</code>).
        </p>
        <PolicyInput text={text} busy={busy} onChange={edit} onReview={() => void review()} />
        {problem !== undefined && <InlineError error={problem} />}
        {planned !== undefined && (
          <PlanView planned={planned} applying={applying} onApply={(confirmed) => void apply(confirmed)} onReviewAgain={() => void review()} />
        )}
      </section>
    </Screen>
  );
}
