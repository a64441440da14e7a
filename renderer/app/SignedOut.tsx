/**
 * What a tab of the headless host shows without a session (T31): why, and how to get a new
 * sign-in link. Constant text only. The link signs in one tab once; a reload keeps that tab in.
 */
import type { SignedOutReason } from '../api/owner-session.js';

const WHY: Record<SignedOutReason, { title: string; text: string }> = {
  'no-link': {
    title: 'This tab is not signed in',
    text: 'The Latchkey window opens through the one-time link the daemon printed when it started. Each link signs in one tab, once; reloading that tab keeps it signed in, a new tab is not.',
  },
  'link-refused': {
    title: 'This sign-in link was already used',
    text: 'Each link works once, in one tab (or the daemon restarted since it printed this one).',
  },
  ended: {
    title: 'This window was signed out',
    text: 'Its session ended: the daemon restarted, or the window was left unused for 12 hours.',
  },
  unreachable: {
    title: 'Latchkey is not answering',
    text: 'The daemon that printed the link does not answer. Check that it is still running, then open its link again.',
  },
};

export function SignedOut({ reason }: { reason: SignedOutReason }) {
  const why = WHY[reason];
  return (
    <main className="signed-out">
      <section className="screen" aria-label="Sign in to Latchkey">
        <h1 className="screen-title">Sign in to Latchkey</h1>
        <p className="signed-out-why" role="status">
          <strong>{why.title}.</strong> {why.text}
        </p>
        <p>
          To get a new link, run <code>latchkey ui</code> in a terminal on this computer (or <code>latchkey ui --open</code> to open it too). It prints{' '}
          <code>http://127.0.0.1:…/#signin=…</code>: open that link in this browser.
        </p>
      </section>
    </main>
  );
}
