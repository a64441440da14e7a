/** The fields the add-grant and edit-grant dialogs share: the token lifetime (as issued, or an enforced maximum) and the mode. */
import type { GrantMode } from '../../../shared/agents.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../../shared/agents.js';

export const MAX_MINUTES = MAX_TOKEN_LIFETIME_SECONDS / 60;

/** Why a typed maximum is not accepted, or undefined when it is (or tokens live as issued). */
export function checkLifetimeMinutes(asIssued: boolean, minutes: string): string | undefined {
  const lifetime = Number(minutes);
  if (asIssued || (Number.isInteger(lifetime) && lifetime >= 1 && lifetime <= MAX_MINUTES)) return undefined;
  return `Token lifetime is a whole number of minutes, 1 to ${MAX_MINUTES}.`;
}

export function TokenLifetimeFields(props: { asIssued: boolean; setAsIssued: (asIssued: boolean) => void; minutes: string; setMinutes: (minutes: string) => void; asIssuedLabel: string }) {
  return (
    <>
      <label className="field">
        <span>Token lifetime</span>
        <select value={props.asIssued ? 'issued' : 'max'} onChange={(e) => props.setAsIssued(e.target.value === 'issued')}>
          <option value="issued">{props.asIssuedLabel}</option>
          <option value="max">At most… (enforced: longer-lived tokens are refused)</option>
        </select>
      </label>
      {!props.asIssued && (
        <label className="field">
          <span>Longest token lifetime (minutes)</span>
          <input type="number" min={1} max={MAX_MINUTES} step={1} value={props.minutes} onChange={(e) => props.setMinutes(e.target.value)} />
        </label>
      )}
    </>
  );
}

export function ModeField({ mode, setMode }: { mode: GrantMode; setMode: (mode: GrantMode) => void }) {
  return (
    <label className="field">
      <span>Mode</span>
      <select value={mode} onChange={(e) => setMode(e.target.value === 'ask' ? 'ask' : 'allow')}>
        <option value="allow">Allow without asking</option>
        <option value="ask">Ask each time</option>
      </select>
    </label>
  );
}
