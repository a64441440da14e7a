/**
 * The connect flow as it happens. The authorization URL is shown as text to copy (never a link):
 * the wallet opens it in the system browser itself, and a headless host's owner opens it by hand.
 * A device code or a paste sign-in shows what the user does elsewhere (SignInSteps.tsx); a
 * running connect can be cancelled.
 */
import type { ConnectProgress } from '../../../shared/connections.js';
import { useWallet } from '../../app/store-context.js';
import { selectConnectFlow } from '../../store/selectors.js';
import { Text } from '../../components/Text.js';
import { UrlFactsView } from '../../components/UrlFacts.js';
import { DeviceSignIn, PasteSignIn } from './SignInSteps.js';
import { RetryRegistered } from './RegisterAgain.js';
import { ErrorCode } from '../../../shared/errors.js';

function describe(progress: ConnectProgress): string {
  switch (progress.step) {
    case 'probing':
      return 'Asking the server how to sign in';
    case 'discovered':
      return 'Found its authorization server';
    case 'registered':
      return `Registered as a client (${progress.registration})`;
    case 'browser':
      return 'Waiting for you to sign in in the browser';
    case 'paste':
      return 'Waiting for the address the browser ended on';
    case 'device':
      return `Waiting for you to enter the code ${progress.userCode} at ${progress.verificationUri}`;
    case 'exchanging':
      return 'Exchanging the code for tokens';
    case 'connected':
      return progress.connection.access === 'open-until-401' ? 'Connected — no sign-in needed yet: Latchkey signs in when the server asks' : 'Connected';
  }
}

export function ConnectProgressView() {
  const flow = useWallet(selectConnectFlow);
  const clear = useWallet((s) => s.clearConnectFlow);
  const cancel = useWallet((s) => s.cancelConnect);
  if (flow.phase === 'idle') return null;

  return (
    <div className="connect-flow" aria-label="Connection progress" role="region">
      <p>
        {flow.phase === 'running' ? 'Connecting to ' : flow.phase === 'connected' ? 'Connected to ' : 'Could not connect to '}
        <Text value={flow.url} ltr />
      </p>
      <ol className="steps" aria-label="Steps">
        {flow.steps.map((progress, index) => (
          <li key={`${index}:${progress.step}`} data-step={progress.step}>
            {describe(progress)}
            {progress.step === 'discovered' && (
              <>
                : <Text value={progress.issuer} ltr />
              </>
            )}
          </li>
        ))}
      </ol>
      {flow.phase === 'running' && flow.signIn?.step === 'device' && <DeviceSignIn step={flow.signIn} />}
      {flow.phase === 'running' && flow.signIn?.step === 'paste' && <PasteSignIn key={flow.signIn.authorizationUrl} step={flow.signIn} />}
      {flow.phase === 'running' && flow.authorizationUrl !== undefined && (
        <div className="authorize">
          <p>Finish signing in in your browser. If no browser window opened, copy this address into one:</p>
          <input
            className="authorize-url"
            readOnly
            value={flow.authorizationUrl}
            aria-label="Authorization URL"
            data-testid="authorization-url"
            dir="ltr"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" className="button small" onClick={() => void navigator.clipboard?.writeText(flow.authorizationUrl ?? '').catch(() => undefined)}>
            Copy address
          </button>
          <UrlFactsView url={flow.authorizationUrl} showUrl={false} />
        </div>
      )}
      <p className="status" role="status" aria-live="polite">
        {flow.phase === 'running' && 'In progress…'}
        {flow.phase === 'connected' && 'Connected.'}
        {flow.phase === 'failed' && (
          <>
            <Text value={flow.error.message} wrap /> <code>{flow.error.code}</code>
            {flow.error.hint !== undefined && (
              <>
                {' '}
                <Text value={flow.error.hint} wrap />
              </>
            )}
          </>
        )}
      </p>
      {flow.phase === 'failed' && flow.error.code === ErrorCode.RegistrationOutdated && flow.params !== undefined && (
        <RetryRegistered params={flow.params} />
      )}
      {flow.phase === 'running' ? (
        <button type="button" className="button small" onClick={() => void cancel()}>
          Cancel
        </button>
      ) : (
        <button type="button" className="button small" onClick={clear}>
          Close
        </button>
      )}
    </div>
  );
}
