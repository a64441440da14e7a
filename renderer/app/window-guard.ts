/**
 * What the window refuses even when code running in it asks (threat T20, test E7), in both hosts:
 * - a navigation the page starts (a form, `location = …`, `window.open(…, '_self')`) to another
 *   origin is cancelled through the Navigation API: the window stays the wallet;
 * - a link to another origin does nothing when clicked, with or without Ctrl/Shift, or with the
 *   middle button (the CSP sandbox stops target=_blank, but not these: they count as the user's);
 * - notifications: no Permissions-Policy feature covers them, so the page's Notification API
 *   refuses (permission `denied`, the constructor throws), whatever the browser would allow.
 * The desktop app's main process refuses all of these too; in the headless host the CSP sandbox
 * also stops window.open and the Permissions-Policy every device prompt. The owner's own browser
 * stays theirs: the address bar, back and forward are not touched.
 */

interface NavigateEventLike {
  readonly cancelable: boolean;
  readonly destination: { readonly url: string };
  preventDefault(): void;
}

interface ClickLike {
  readonly target: unknown;
  preventDefault(): void;
}

export interface GuardScope {
  readonly location: { readonly origin: string };
  /** The Navigation API (Chromium, Electron); absent elsewhere. */
  readonly navigation?: { addEventListener(type: 'navigate', listener: (event: NavigateEventLike) => void): void } | undefined;
  readonly document?: { addEventListener(type: 'click' | 'auxclick', listener: (event: ClickLike) => void, capture: boolean): void } | undefined;
}

export function guardWindow(scope: GuardScope): void {
  scope.navigation?.addEventListener('navigate', (event) => {
    if (!event.cancelable || originOf(event.destination.url) === scope.location.origin) return;
    event.preventDefault();
  });
  const refuseForeignLink = (event: ClickLike): void => {
    const href = linkOf(event.target);
    if (href !== undefined && originOf(href) !== scope.location.origin) event.preventDefault();
  };
  scope.document?.addEventListener('click', refuseForeignLink, true);
  scope.document?.addEventListener('auxclick', refuseForeignLink, true);
  try {
    Object.defineProperty(scope, 'Notification', { value: refusedNotification(), writable: false, configurable: false, enumerable: false });
  } catch {
    // Already locked by the environment: nothing to replace.
  }
}

/** The address of the link (`a` or `area`) an event happened in; '' for a link whose address is not a plain string (SVG): refused. */
function linkOf(target: unknown): string | undefined {
  const closest = (target as { closest?: unknown } | null)?.closest;
  if (typeof closest !== 'function') return undefined;
  const link = closest.call(target, 'a[href], area[href]') as { href?: unknown } | null;
  if (link === null || link === undefined) return undefined;
  return typeof link.href === 'string' ? link.href : '';
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** A Notification API that never shows anything and never prompts. */
function refusedNotification(): unknown {
  const Refused = function Notification(): never {
    throw new DOMException('The Latchkey window shows no notifications.', 'NotAllowedError');
  };
  return Object.defineProperties(Refused, {
    permission: { value: 'denied', enumerable: true },
    maxActions: { value: 0, enumerable: true },
    requestPermission: {
      value: (callback?: (permission: 'denied') => void): Promise<'denied'> => {
        callback?.('denied');
        return Promise.resolve('denied');
      },
    },
  });
}
