/**
 * A token that leaves the wallet as text (`latchkey token`, `latchkey run` placeholders) must
 * work on its own: a DPoP-bound one (A8) does not, since every request needs a proof signed with a
 * key that stays in the wallet. Those callers get a clear refusal instead of a useless token.
 */
import type { TokenResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export function bearerTokenOf(token: Pick<TokenResponse, 'access_token' | 'token_type'>, resource: string): string {
  if (token.token_type === 'DPoP') throw senderConstrained(resource);
  return token.access_token;
}

export function senderConstrained(resource: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.TokenSenderConstrained, `The tokens for ${resource} are bound to a key that stays in the wallet (DPoP), so a token alone does not work.`, {
    hint: `Reach the server through the wallet: latchkey mcp ${resource}`,
  });
}
