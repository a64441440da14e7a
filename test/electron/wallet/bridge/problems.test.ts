/**
 * The bridge's one table from error codes to problem+json: a step-up whose sign-in goes wrong
 * reaches the agent with its own code and an honest status, never as 500 internal (T3).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { problemFromError } from '../../../../electron/wallet/bridge/problems.js';

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
    const problem = problemFromError(new LatchkeyError(code, 'The browser sign-in went wrong (upstream: secret-ish text).', { hint: 'Try again.' }));
    expect(problem).toMatchObject({ code, status });
    expect(problem.detail).toBeDefined();
  });

  it('T3/T30: messages quoting the authorization server never reach the agent; the others keep theirs', () => {
    for (const code of [ErrorCode.AuthorizationFailed, ErrorCode.StateMismatch, ErrorCode.IssuerResponseMismatch, ErrorCode.TokenRequestFailed]) {
      expect(problemFromError(new LatchkeyError(code, 'as.example refused (invalid_grant: upstream words)')).detail).not.toMatch(/upstream/);
    }
    expect(problemFromError(new LatchkeyError(ErrorCode.AuthorizationTimeout, 'Sign-in not finished.', { hint: 'Try again.' })).detail).toBe(
      'Sign-in not finished. Try again.',
    );
  });

  it('T8: an agent that names none of several accounts, or one its grant does not name, hears why (409, 403), not internal', () => {
    expect(problemFromError(new LatchkeyError(ErrorCode.AccountAmbiguous, 'Which account?', { hint: 'Name one with --account.' }))).toMatchObject({ code: ErrorCode.AccountAmbiguous, status: 409 });
    expect(problemFromError(new LatchkeyError(ErrorCode.NoGrant, 'No grant for account "personal".'))).toMatchObject({ code: ErrorCode.NoGrant, status: 403 });
  });

  it.each([
    [ErrorCode.AgentClientRejected, 502],
    [ErrorCode.AgentClientNotAllowed, 403],
    [ErrorCode.AssertionRejected, 502],
    [ErrorCode.WorkloadTokenUnavailable, 503],
    [ErrorCode.EnterpriseSignInNeeded, 409],
    [ErrorCode.NotSenderConstrained, 409],
  ])('R5–R7, A8: an agent whose own client, workload token, enterprise sign-in or DPoP proof fails hears %s (HTTP %d), not internal', (code, status) => {
    const problem = problemFromError(new LatchkeyError(code, 'Latchkey says why.', { hint: 'And what to do.' }));
    expect(problem).toMatchObject({ code, status, detail: 'Latchkey says why. And what to do.' });
  });

  it('an unlisted code or a plain error stays internal without detail', () => {
    expect(problemFromError(new Error('secret path /home/x'))).toEqual(expect.objectContaining({ code: ErrorCode.Internal, status: 500 }));
    expect(problemFromError(new Error('secret path /home/x')).detail).toBeUndefined();
  });
});
