/**
 * How the window signs in to the headless host (threat T31). The daemon's link carries a one-time
 * token in its fragment (`#signin=…`), which the browser never sends to any server. The page
 * takes it out of the address bar at once, trades it (POST /api/v1/session, once) for a session
 * credential, and keeps that in sessionStorage: this origin and this tab only, so a reload stays
 * signed in while pages on other ports (and new tabs) have nothing. It travels as a header on
 * every call; there is no cookie. DOM and shared/ only.
 */
import { z } from 'zod';

export const UI_HEADER = 'x-latchkey-ui';
/** The header the session travels in (the host's SESSION_HEADER). */
export const SESSION_HEADER = 'x-latchkey-session';
/** The link's fragment parameter (the host's SIGN_IN_FRAGMENT). */
export const SIGN_IN_FRAGMENT = 'signin';
export const SIGN_IN_PATH = '/api/v1/session';
const STORAGE_KEY = 'latchkey.session';

/** Why the window shows its sign-in screen instead of the wallet. */
export type SignedOutReason = 'no-link' | 'link-refused' | 'ended' | 'unreachable';

export type SignInOutcome = { signedIn: true } | { signedIn: false; reason: SignedOutReason };

/** Where this tab keeps its session. */
export interface SessionSlot {
  read(): string | undefined;
  write(session: string): void;
  clear(): void;
}

interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The session in `storage` (sessionStorage); in memory only when there is none (then a reload signs out). */
export function sessionSlot(storage: SessionStorageLike | undefined): SessionSlot {
  let memory: string | undefined;
  const attempt = <T>(action: () => T, fallback: T): T => {
    try {
      return action();
    } catch {
      return fallback;
    }
  };
  return {
    read: () => (storage === undefined ? memory : (attempt(() => storage.getItem(STORAGE_KEY), null) ?? undefined)),
    write: (session) => {
      memory = session;
      if (storage !== undefined) attempt(() => storage.setItem(STORAGE_KEY, session), undefined);
    },
    clear: () => {
      memory = undefined;
      if (storage !== undefined) attempt(() => storage.removeItem(STORAGE_KEY), undefined);
    },
  };
}

interface LocationLike {
  readonly hash: string;
  readonly pathname: string;
  readonly search: string;
}

interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

/** The link's token, taken out of the fragment and the address bar (before anything else runs); undefined when there is none. */
export function takeSignInToken(location: LocationLike, history: HistoryLike): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get(SIGN_IN_FRAGMENT);
  if (token === null) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return token === '' ? undefined : token;
}

const SignInAnswer = z.object({ result: z.object({ session: z.string().min(1).max(256) }) });

export interface SignInOptions {
  /** The token from the link, if this page was opened through one. */
  token: string | undefined;
  slot: SessionSlot;
  fetch?: typeof fetch;
  /** Where the host is; default: this page's origin. */
  baseUrl?: string;
}

/**
 * Signs this tab in: trades the link's token for a session when there is one, else keeps the
 * session this tab already has (a reload). A spent link in a tab that is signed in changes nothing.
 */
export async function signIn(options: SignInOptions): Promise<SignInOutcome> {
  const existing = options.slot.read();
  if (options.token === undefined) return existing === undefined ? { signedIn: false, reason: 'no-link' } : { signedIn: true };
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  let response: Response;
  try {
    response = await doFetch(`${base}${SIGN_IN_PATH}`, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', [UI_HEADER]: '1' },
      body: JSON.stringify({ token: options.token }),
    });
  } catch {
    return { signedIn: false, reason: 'unreachable' };
  }
  const answer = SignInAnswer.safeParse(response.ok ? await response.json().catch(() => undefined) : undefined);
  if (answer.success) {
    options.slot.write(answer.data.result.session);
    return { signedIn: true };
  }
  if (existing !== undefined) return { signedIn: true };
  return { signedIn: false, reason: response.status === 401 || response.status === 403 ? 'link-refused' : 'unreachable' };
}
