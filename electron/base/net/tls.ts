/**
 * Threat T06 (O14): certificate verification must never be off. Node turns it off process-wide
 * when NODE_TLS_REJECT_UNAUTHORIZED is "0"; the wallet refuses to start (and the safe fetch
 * refuses to send) in that case rather than talk to an unverified server.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export function assertTlsVerification(env: Record<string, string | undefined>): void {
  const value = env['NODE_TLS_REJECT_UNAUTHORIZED'];
  if (value !== undefined && value.trim() === '0') {
    throw new LatchkeyError(
      ErrorCode.TlsVerificationDisabled,
      'TLS certificate verification is disabled (NODE_TLS_REJECT_UNAUTHORIZED=0); Latchkey will not run like this.',
      { hint: 'Unset NODE_TLS_REJECT_UNAUTHORIZED. For a private CA, add it with NODE_EXTRA_CA_CERTS instead.' },
    );
  }
}
