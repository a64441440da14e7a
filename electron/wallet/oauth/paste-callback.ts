/**
 * Paste sign-in: the browser runs on another machine (SSH), so its redirect to our loopback
 * listener lands nowhere and the user copies the address it ended on. That address is checked to
 * be this sign-in's redirect (origin, path, one `state` equal to the one we sent), then handed to
 * the very listener a local browser would have reached. The listener checks `state` again and
 * authorize.ts applies the same `iss`, `error` and `code` checks: there is no second, weaker path.
 */
import { nodeHttp } from '../../base/net/node-http.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { CALLBACK_PATH } from './loopback.js';

const MAX_PASTE_LENGTH = 8_192;
const DELIVERY_TIMEOUT_MS = 10_000;

/** What the pasted address must match: taken from the authorization URL this sign-in printed. */
export interface PasteExpectation {
  redirectUri: string;
  state: string;
}

export function pasteExpectationOf(authorizationUrl: string): PasteExpectation {
  const url = new URL(authorizationUrl);
  const redirectUri = url.searchParams.get('redirect_uri');
  const state = url.searchParams.get('state');
  if (redirectUri === null || state === null) {
    throw new LatchkeyError(ErrorCode.Internal, 'The sign-in URL carries no redirect_uri or state.');
  }
  return { redirectUri, state };
}

/** Checks a pasted address (PasteRejected when it is not this sign-in's redirect); returns it as a URL. */
export function parsePastedAddress(text: string, expected: PasteExpectation): URL {
  const pasted = text.trim();
  if (pasted === '') throw rejected('Nothing was pasted.');
  if (pasted.length > MAX_PASTE_LENGTH) throw rejected(`The pasted address is longer than ${MAX_PASTE_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(pasted);
  } catch {
    throw rejected('The pasted text is not an address (it should start with http://127.0.0.1).');
  }
  const redirect = new URL(expected.redirectUri);
  if (url.protocol !== redirect.protocol || url.host !== redirect.host || url.pathname !== redirect.pathname || url.pathname !== CALLBACK_PATH) {
    throw rejected(`The pasted address is not where this sign-in returns to (${redirect.origin}${redirect.pathname}).`);
  }
  if (url.username !== '' || url.password !== '') throw rejected('The pasted address carries credentials.');
  for (const name of ['state', 'code', 'iss', 'error']) {
    if (url.searchParams.getAll(name).length > 1) throw rejected(`The pasted address names "${name}" more than once.`);
  }
  const state = url.searchParams.get('state');
  if (state === null) throw rejected('The pasted address carries no state, so it cannot be matched to this sign-in.');
  if (state !== expected.state) throw rejected('The pasted address belongs to another sign-in (its state does not match).');
  url.hash = '';
  return url;
}

/**
 * Hands the checked address to this sign-in's loopback listener (127.0.0.1 or [::1] only, as
 * checked above) and returns the status the listener answered: 200 when the sign-in completed.
 */
export function deliverPastedCallback(url: URL): Promise<number> {
  const host = url.hostname === '[::1]' ? '::1' : url.hostname;
  if (url.protocol !== 'http:' || (host !== '127.0.0.1' && host !== '::1')) {
    return Promise.reject(rejected('Only a loopback sign-in address can be delivered.'));
  }
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ host, port: url.port, path: `${url.pathname}${url.search}`, method: 'GET', timeout: DELIVERY_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => {
      reject(
        new LatchkeyError(ErrorCode.PasteRejected, 'The sign-in is no longer waiting for this address (it finished, timed out or was cancelled).', {
          cause: error,
        }),
      );
    });
    req.end();
  });
}

function rejected(message: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.PasteRejected, `${message} Nothing was used.`, {
    hint: 'Copy the whole address from the browser\'s address bar after you approved (it starts with the redirect address shown), then paste it again.',
  });
}
