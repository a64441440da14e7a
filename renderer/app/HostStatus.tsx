/**
 * Whether Latchkey (the desktop app's core, or the headless host) answers, and whether its agent
 * bridge listens: the sidebar's status lights. It asks for the status now and then; a failed
 * answer turns the first red with the code.
 */
import { useEffect } from 'react';
import { useWallet } from './store-context.js';
import { describeBridge } from '../store/bridge-status.js';
import { selectLoad, selectStatus } from '../store/selectors.js';

/** How often the window checks that Latchkey still answers. */
const CHECK_EVERY_MS = 15_000;

export function HostStatus() {
  const load = useWallet(selectLoad('status'));
  const loadStatus = useWallet((s) => s.loadStatus);
  const status = useWallet(selectStatus);
  useEffect(() => {
    const timer = setInterval(() => void loadStatus(), CHECK_EVERY_MS);
    return () => clearInterval(timer);
  }, [loadStatus]);
  const tone = load.state === 'ready' ? 'ok' : load.state === 'error' ? 'bad' : 'unknown';
  const text = load.state === 'ready' ? 'Latchkey is running' : load.state === 'error' ? 'Latchkey is not answering' : 'Checking…';
  const bridge = load.state === 'ready' ? describeBridge(status) : undefined;
  return (
    <>
      <p className={`host-status host-${tone}`} role="status" aria-label="Latchkey status" title={load.state === 'error' ? `${load.error.message} (${load.error.code})` : undefined}>
        <span className="dot" aria-hidden="true" />
        {text}
      </p>
      {bridge === undefined ? null : (
        <p className={`host-status host-${bridge.tone}`} role="status" aria-label="Bridge status" title={bridge.detail}>
          <span className="dot" aria-hidden="true" />
          {bridge.text}
        </p>
      )}
    </>
  );
}
