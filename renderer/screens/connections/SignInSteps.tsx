/**
 * The sign-in steps that need the user somewhere else: a device code to enter on any device, or
 * an address to open in any browser and hand back. Addresses are text to copy, never links; the
 * "Open" buttons ask the wallet to open the page (it opens only the page this sign-in shows).
 */
import { useState, type FormEvent } from 'react';
import type { ConnectProgress } from '../../../shared/connections.js';
import { useWallet } from '../../app/store-context.js';
import { useNow } from '../../components/clock.js';
import { Text } from '../../components/Text.js';
import { UrlFactsView } from '../../components/UrlFacts.js';
import type { UiError } from '../../store/types.js';
import { formatTimeLeft } from './connect-form.js';

type DeviceStep = Extract<ConnectProgress, { step: 'device' }>;
type PasteStep = Extract<ConnectProgress, { step: 'paste' }>;

function copyText(text: string): void {
  void navigator.clipboard?.writeText(text).catch(() => undefined);
}

/** An address shown as selectable text, with Copy and Open (through the wallet) beside it. */
function AddressField({ label, url, testId }: { label: string; url: string; testId: string }) {
  const open = useWallet((s) => s.openSignInPage);
  return (
    <div className="authorize">
      <input className="authorize-url" readOnly value={url} aria-label={label} data-testid={testId} dir="ltr" onFocus={(e) => e.currentTarget.select()} />
      <span className="row-actions">
        <button type="button" className="button small" onClick={() => copyText(url)}>
          Copy address
        </button>
        <button type="button" className="button small" onClick={() => void open(url)}>
          Open in browser
        </button>
      </span>
      <UrlFactsView url={url} showUrl={false} />
    </div>
  );
}

export function DeviceSignIn({ step }: { step: DeviceStep }) {
  const now = useNow();
  return (
    <div className="device-sign-in" role="group" aria-label="Device code">
      <p>On any device, open this address and enter the code:</p>
      <p className="device-code-row">
        <output className="device-code" aria-label="User code" data-testid="user-code" dir="ltr">
          {step.userCode}
        </output>
        <button type="button" className="button small" onClick={() => copyText(step.userCode)}>
          Copy code
        </button>
      </p>
      <AddressField label="Verification address" url={step.verificationUri} testId="verification-uri" />
      {step.verificationUriComplete !== undefined && (
        <p className="muted small-print">
          Or open <Text value={step.verificationUriComplete} ltr wrap />, which carries the code already.
        </p>
      )}
      <p className="muted" aria-live="off">
        Time left: <span data-testid="device-time-left">{formatTimeLeft(step.expiresAt, now)}</span>
      </p>
    </div>
  );
}

export function PasteSignIn({ step }: { step: PasteStep }) {
  const deliver = useWallet((s) => s.deliverPastedSignIn);
  const [address, setAddress] = useState('');
  const [problem, setProblem] = useState<UiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const refused = await deliver(address);
    setBusy(false);
    setProblem(refused);
    if (refused === undefined) setAddress('');
  };

  return (
    <div className="paste-sign-in" role="group" aria-label="Paste sign-in">
      <p>Open this address in any browser and sign in. The browser then ends on a page that does not load: copy that page’s whole address and paste it below.</p>
      <AddressField label="Authorization URL" url={step.authorizationUrl} testId="authorization-url" />
      <form className="paste-form" onSubmit={(event) => void submit(event)}>
        <label className="field grow">
          <span>The address your browser ended on</span>
          <input
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            placeholder={`${step.redirectUri}?code=…`}
            spellCheck={false}
            autoComplete="off"
            dir="ltr"
            required
            aria-invalid={problem !== undefined}
          />
        </label>
        <button type="submit" className="button primary" disabled={busy || address.trim() === ''}>
          Finish sign-in
        </button>
      </form>
      {problem !== undefined && (
        <p className="load-error" role="alert">
          <Text value={problem.message} wrap />
          {problem.hint !== undefined && (
            <>
              {' '}
              <Text value={problem.hint} wrap />
            </>
          )}
        </p>
      )}
    </div>
  );
}
