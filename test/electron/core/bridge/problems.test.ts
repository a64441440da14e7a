/**
 * The bridge's one table from error codes to problem+json: a step-up whose sign-in goes wrong
 * reaches the agent with its own code and an honest status, never as 500 internal (T3).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { problemFromError } from '../../../../electron/core/bridge/problems.js';

describe('bridge problems', () => {
  it.each([
    [ErrorCode.AuthorizationTimeout, 504],
    [ErrorCode.AuthorizationFailed, 502],
    [ErrorCode.AuthorizationCancelled, 403],
    [ErrorCode.StateMismatch, 502],
    [ErrorCode.IssuerResponseMismatch, 502],
    [ErrorCode.OpenerFailed, 503],
    [ErrorCode.TokenRequestFailed, 502],
    [ErrorCode.NeedsReauth, 409],
  ])('T3: a step-up sign-in failure %s keeps its code (HTTP %d), not internal', (code, status) => {
    const problem = problemFromError(new LatchkeyError(code, 'The browser sign-in went wrong.', { hint: 'Try again.' }));
    expect(problem).toMatchObject({ code, status, detail: 'The browser sign-in went wrong. Try again.' });
  });

  it('an unlisted code or a plain error stays internal without detail', () => {
    expect(problemFromError(new Error('secret path /home/x'))).toEqual(expect.objectContaining({ code: ErrorCode.Internal, status: 500 }));
    expect(problemFromError(new Error('secret path /home/x')).detail).toBeUndefined();
  });
});
