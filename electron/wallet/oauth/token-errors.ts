/** Maps openid-client/oauth4webapi failures of token-endpoint calls to LatchkeyErrors. */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { truncate } from '../../../shared/url.js';

/** The OAuth `error` of a token endpoint response, if the failure was one. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof client.ResponseBodyError) return error.error;
  return undefined;
}

export function tokenRequestError(issuer: string, action: string, error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  if (error instanceof client.ResponseBodyError) {
    const description = typeof error.error_description === 'string' ? `: ${truncate(error.error_description, 200)}` : '';
    return new LatchkeyError(ErrorCode.TokenRequestFailed, `${issuer} refused to ${action} (${truncate(error.error, 60)}${description}).`, {
      details: { issuer, error: truncate(error.error, 60), status: error.status },
      cause: error,
    });
  }
  const cause = error instanceof Error ? error : undefined;
  const nested = cause?.cause instanceof LatchkeyError ? cause.cause : undefined;
  if (nested !== undefined) return nested;
  const code = cause !== undefined && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  return new LatchkeyError(ErrorCode.TokenRequestFailed, `Could not ${action} at ${issuer}${code === undefined ? '' : ` (${code})`}.`, {
    hint: 'Check the server is reachable and try again.',
    details: { issuer, ...(code === undefined ? {} : { reason: code }) },
    cause: error,
  });
}
