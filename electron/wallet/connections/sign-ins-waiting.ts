/**
 * The sign-ins the owner's connects are waiting on, so an owner UI can finish one the way the CLI
 * does: hand back the address a browser elsewhere ended on (checked and delivered by
 * paste-callback.ts, the CLI's one mechanism), have the wallet open the page a sign-in shows (that
 * page only, never any other address), or cancel the connect.
 */
import type { ConnectControl } from '../../../shared/api.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import type { Opener } from '../../base/ports.js';
import { validateOpenUrl } from '../../base/opener/validate.js';
import { deliverPastedCallback, parsePastedAddress, pasteExpectationOf, type PasteExpectation } from '../oauth/paste-callback.js';

interface Waiting {
  /** The connect's URL, and its canonical form when it has one (cancel matches either). */
  names: Set<string>;
  cancel: AbortController;
  /** Set while the sign-in waits for a pasted address. */
  paste: PasteExpectation | undefined;
  /** The pages this sign-in shows the user right now (authorization URL, verification URI). */
  pages: Set<string>;
}

export interface FollowedConnect {
  /** The control to run the connect with: progress recorded here first, cancellable here too. */
  control: ConnectControl;
  /** The connect is over: nothing waits any more. */
  done(): void;
}

export class SignInsWaiting {
  readonly #waiting = new Set<Waiting>();

  constructor(
    private readonly opener: Opener,
    private readonly policy: UrlPolicy,
  ) {}

  follow(url: string, control: ConnectControl): FollowedConnect {
    const entry: Waiting = { names: new Set([url, this.canonical(url)]), cancel: new AbortController(), paste: undefined, pages: new Set() };
    this.#waiting.add(entry);
    const onProgress = (event: ConnectProgress): void => {
      noteProgress(entry, event);
      control.onProgress?.(event);
    };
    const signal = control.signal === undefined ? entry.cancel.signal : AbortSignal.any([control.signal, entry.cancel.signal]);
    return { control: { onProgress, signal }, done: () => this.#waiting.delete(entry) };
  }

  /**
   * Completes a paste sign-in in progress with the address its browser ended on. The address must
   * be that sign-in's redirect with its `state` (PasteRejected otherwise: nothing is used); the
   * loopback listener and the code exchange then check it as for any browser.
   */
  async deliverPasted(address: string): Promise<void> {
    const expectations = [...this.#waiting].flatMap((entry) => (entry.paste === undefined ? [] : [entry.paste]));
    const state = stateOf(address);
    const expected = expectations.find((candidate) => candidate.state === state) ?? expectations[0];
    if (expected === undefined) {
      throw new LatchkeyError(ErrorCode.PasteRejected, 'No sign-in is waiting for a pasted address. Nothing was used.', {
        hint: 'Start the connection again with "Paste the address" as the sign-in method, then paste the address your browser ends on.',
      });
    }
    await deliverPastedCallback(parsePastedAddress(address, expected));
  }

  /** Opens, with the wallet's opener, a page a sign-in in progress shows; any other address is refused. */
  async openPage(url: string): Promise<void> {
    const shown = [...this.#waiting].some((entry) => entry.pages.has(url));
    if (!shown) {
      throw new LatchkeyError(ErrorCode.InvalidInput, 'That address is not a page of a sign-in in progress, so Latchkey does not open it.', {
        hint: 'Only the sign-in or code-entry page of a connection being set up can be opened from here.',
      });
    }
    // Checked again as every address handed to a browser is (protocol.md A7).
    await this.opener.open(validateOpenUrl(url, this.policy));
  }

  /** Cancels every connect in progress for this server; true when there was one. */
  cancel(url: string): boolean {
    const names = new Set([url, this.canonical(url)]);
    const matching = [...this.#waiting].filter((entry) => [...names].some((name) => entry.names.has(name)));
    for (const entry of matching) entry.cancel.abort();
    return matching.length > 0;
  }

  private canonical(url: string): string {
    try {
      return canonicalResource(url, this.policy);
    } catch {
      return url;
    }
  }
}

function noteProgress(entry: Waiting, event: ConnectProgress): void {
  switch (event.step) {
    case 'browser':
      entry.pages = new Set([event.authorizationUrl]);
      entry.paste = undefined;
      return;
    case 'paste':
      entry.pages = new Set([event.authorizationUrl]);
      entry.paste = pasteExpectationOf(event.authorizationUrl);
      return;
    case 'device':
      entry.pages = new Set([event.verificationUri, ...(event.verificationUriComplete === undefined ? [] : [event.verificationUriComplete])]);
      entry.paste = undefined;
      return;
    case 'exchanging':
    case 'connected':
      entry.pages = new Set();
      entry.paste = undefined;
      return;
    default:
      return;
  }
}

/** The `state` a pasted address carries, to pick the sign-in it answers (parsePastedAddress checks it). */
function stateOf(address: string): string | null {
  try {
    return new URL(address.trim()).searchParams.get('state');
  } catch {
    return null;
  }
}
