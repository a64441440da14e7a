import { describe, expect, it } from 'vitest';
import { assertTlsVerification } from '../../../../electron/base/net/tls.js';
import { ErrorCode, isLatchkeyError } from '../../../../shared/errors.js';

describe('TLS verification guard (T06)', () => {
  it('O14: refuses to run with NODE_TLS_REJECT_UNAUTHORIZED=0', () => {
    for (const value of ['0', ' 0 ']) {
      let caught: unknown;
      try {
        assertTlsVerification({ NODE_TLS_REJECT_UNAUTHORIZED: value });
      } catch (error) {
        caught = error;
      }
      expect(isLatchkeyError(caught, ErrorCode.TlsVerificationDisabled)).toBe(true);
      expect((caught as Error).message).toContain('NODE_TLS_REJECT_UNAUTHORIZED');
    }
  });

  it('O14: runs when verification is on or the variable is unset', () => {
    expect(() => assertTlsVerification({})).not.toThrow();
    expect(() => assertTlsVerification({ NODE_TLS_REJECT_UNAUTHORIZED: '1' })).not.toThrow();
  });
});
