/**
 * The token answer the bridge sends is copied out field by field rather than parsed by zod; this
 * holds it to the TokenResponse schema: the same answers accepted, the same refused, and nothing
 * else (a refresh token above all) ever sent.
 */
import { describe, expect, it } from 'vitest';
import { TokenResponse } from '../../../../shared/bridge.js';
import { ErrorCode, isLatchkeyError } from '../../../../shared/errors.js';
import { tokenAnswer } from '../../../../electron/wallet/bridge/responses.js';

const good = { access_token: 'at', token_type: 'Bearer', expires_at: 1_700_000_000, scope: 'read write' };

const candidates: Array<Record<string, unknown>> = [
  good,
  { ...good, token_type: 'DPoP' },
  { ...good, scope: '' },
  { ...good, refresh_token: 'rt', id_token: 'it' },
  { ...good, expires_at: 1.5 },
  { ...good, expires_at: 2 ** 60 },
  { ...good, expires_at: Number.NaN },
  { ...good, expires_at: '1700000000' },
  { ...good, token_type: 'bearer' },
  { ...good, access_token: 7 },
  { ...good, scope: undefined },
];

function answerOf(candidate: Record<string, unknown>): unknown {
  try {
    // The handler's type says TokenResponse; these are what a bug could hand over anyway.
    return tokenAnswer(candidate as TokenResponse);
  } catch (error) {
    return isLatchkeyError(error, ErrorCode.Internal) ? 'refused' : error;
  }
}

describe('tokenAnswer', () => {
  it.each(candidates.map((candidate) => [JSON.stringify(candidate), candidate] as const))('answers as the TokenResponse schema does: %s', (_name, candidate) => {
    const parsed = TokenResponse.safeParse(candidate);
    expect(answerOf(candidate)).toEqual(parsed.success ? parsed.data : 'refused');
  });

  it('sends exactly the four fields of a token answer', () => {
    expect(Object.keys(tokenAnswer({ ...good, token_type: 'Bearer' })).sort()).toEqual(['access_token', 'expires_at', 'scope', 'token_type']);
  });
});
