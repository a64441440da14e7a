/** Whether the audit log's hash chain is intact (re-checked as entries arrive). */
import { useWallet } from '../../app/store-context.js';
import { selectLoad, selectVerification } from '../../store/selectors.js';

const PROBLEMS = {
  changed: 'was changed',
  removed: 'was removed',
  reordered: 'is out of order',
  malformed: 'cannot be read',
} as const;

export function ChainStatus() {
  const verification = useWallet(selectVerification);
  const load = useWallet(selectLoad('verification'));
  let text: string;
  let tone: 'ok' | 'bad' | 'unknown';
  if (load.state === 'error') {
    text = `Could not check the log's integrity: ${load.error.message} (${load.error.code})`;
    tone = 'unknown';
  } else if (verification === undefined) {
    text = 'Checking the log’s integrity…';
    tone = 'unknown';
  } else if (verification.ok) {
    text = `Chain verified: all ${verification.count} entries are intact.`;
    tone = 'ok';
  } else {
    text = `Chain broken: entry #${verification.seq} ${PROBLEMS[verification.problem]}. The log may have been tampered with.`;
    tone = 'bad';
  }
  return (
    <p className={`chain chain-${tone}`} role="status" aria-label="Chain verification" data-testid="chain-status">
      {text}
    </p>
  );
}
