/**
 * Why discovery found no metadata at any of its URLs, as one error whose code says what to do:
 * a refused redirect (the document lives elsewhere: MetadataRedirectRefused), a URL that did not
 * answer in time (DiscoveryTimeout), or none of them published it (the caller's own "not found").
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

/** One URL that was tried and not used. */
export interface Miss {
  url: string;
  why: string;
  /** The fetch's error code, when the request itself failed (absent for an HTTP status). */
  code?: ErrorCode | undefined;
}

export function missedWithStatus(url: string, status: number): Miss {
  return { url, why: `HTTP ${status}` };
}

export function missedWithError(url: string, error: LatchkeyError): Miss {
  return { url, why: `${error.message} (${error.code})`, code: error.code };
}

export function describeMisses(misses: readonly Miss[]): string {
  return misses.map((miss) => `${miss.url}: ${miss.why}`).join('; ');
}

/** The error for "every URL missed"; `notPublished` is the one for "nobody published it". */
export function nothingFound(what: string, misses: readonly Miss[], notPublished: () => LatchkeyError): LatchkeyError {
  const tried = describeMisses(misses);
  if (misses.some((miss) => miss.code === ErrorCode.RedirectRefused)) {
    return new LatchkeyError(ErrorCode.MetadataRedirectRefused, `Found no usable ${what}: a redirect was refused (tried ${tried}).`, {
      hint: 'Latchkey follows only same-origin redirects of metadata requests. Ask the operator to serve the metadata at its well-known URL without a cross-origin redirect.',
      details: { tried: misses.length },
    });
  }
  if (misses.some((miss) => miss.code === ErrorCode.Timeout)) {
    return new LatchkeyError(ErrorCode.DiscoveryTimeout, `Found no ${what}: a server did not answer in time (tried ${tried}).`, {
      hint: 'The server is slow or not answering; try again later, or check the URL.',
      details: { tried: misses.length },
    });
  }
  return notPublished();
}
