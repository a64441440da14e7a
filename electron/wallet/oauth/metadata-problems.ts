/**
 * What is wrong with a server's metadata, as one clause for "…metadata at <url> is invalid: <clause>.":
 * which field, what is wrong, never the field's value (a server controls it: at most its URL scheme).
 */
import type { z } from 'zod';
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';

/** "its token_endpoint is missing", "its scopes_supported is not an array", "the document is not a JSON object". */
export function describeSchemaIssue(issue: z.core.$ZodIssue | undefined): string {
  const field = issue === undefined || issue.path.length === 0 ? undefined : issue.path.map(String).join('.');
  if (issue === undefined) return 'the document is not a JSON object';
  if (issue.code === 'invalid_type') {
    if (/received undefined/u.test(issue.message)) return field === undefined ? 'the document is empty' : `its ${field} is missing`;
    const expected = issue.expected === 'object' && field === undefined ? 'a JSON object' : `a${/^[aeiou]/u.test(issue.expected) ? 'n' : ''} ${issue.expected}`;
    return field === undefined ? `the document is not ${expected}` : `its ${field} is not ${expected}`;
  }
  if (issue.code === 'too_small') return `its ${field ?? 'document'} is empty`;
  return `its ${field ?? 'document'} is not valid`;
}

/** "its authorization_endpoint uses javascript: instead of https", from parseSecureUrl's refusal. */
export function describeUrlProblem(field: string, value: string, error: unknown): string {
  const scheme = /^([a-z][a-z0-9+.-]{0,15}):/iu.exec(value)?.[1]?.toLowerCase();
  if (isLatchkeyError(error, ErrorCode.InsecureUrl)) {
    return scheme === 'http' ? `its ${field} uses plain http instead of https` : `its ${field} uses ${scheme ?? 'an unknown scheme'}${scheme === undefined ? '' : ':'} instead of https`;
  }
  if (isLatchkeyError(error, ErrorCode.InvalidUrl) && /user name or password/u.test(error.message)) return `its ${field} contains a user name or password`;
  return `its ${field} is not a valid absolute URL`;
}
