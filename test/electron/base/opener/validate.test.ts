import { describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError, type LatchkeyError } from '../../../../shared/errors.js';
import { createSystemOpener, MAX_OPEN_URL_LENGTH, validateOpenUrl } from '../../../../electron/base/opener/index.js';
import { createSpawnSpy } from '../../../fakes/spawn-spy.js';

const strict = { allowInsecureLoopback: false };
const loopbackOk = { allowInsecureLoopback: true };

function refusal(input: string | URL, policy = strict): LatchkeyError {
  try {
    validateOpenUrl(input, policy);
  } catch (error) {
    if (isLatchkeyError(error, ErrorCode.UnsafeOpenUrl)) return error;
    throw error;
  }
  throw new Error(`accepted ${String(input)}`);
}

const HOSTILE: Array<[string, string, RegExp]> = [
  ['javascript:', 'javascript:alert(document.cookie)', /scheme "javascript:"/],
  ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', /scheme "data:"/],
  ['file:', 'file:///etc/passwd', /scheme "file:"/],
  ['vbscript:', 'vbscript:msgbox(1)', /scheme "vbscript:"/],
  ['ms-msdt:', 'ms-msdt:/id PCWDiagnostic /skip force', /space|scheme/],
  ['ms-msdt: without spaces', 'ms-msdt:/id%20PCWDiagnostic', /scheme "ms-msdt:"/],
  ['a custom scheme', 'latchkey-evil://run?cmd=calc', /scheme/],
  ['non-loopback http', 'http://as.example.com/authorize', /plain http is only allowed for loopback/],
  ['http to a private address', 'http://10.0.0.1/authorize', /plain http is only allowed for loopback/],
  ['userinfo', 'https://user:pass@as.example.com/authorize', /user name or password/],
  ['a user name only', 'https://attacker@as.example.com/', /user name or password/],
  ['$(id) command substitution', 'https://as.example.com/authorize?x=$(id)', /shell expansion/],
  ['${IFS} expansion', 'https://as.example.com/a${IFS}b', /shell expansion/],
  ['backticks', 'https://as.example.com/authorize?x=`id`', /backtick/],
  ['a space', 'https://as.example.com/authorize?x=a b', /a space/],
  ['a leading space', ' https://as.example.com/', /a space/],
  ['a tab', 'https://as.example.com/\tx', /a tab/],
  ['CR', 'https://as.example.com/authorize\r', /carriage return/],
  ['LF', 'https://as.example.com/authorize\nx', /line feed/],
  ['NUL', 'https://as.example.com/authorize\u0000', /NUL/],
  ['a double quote', 'https://as.example.com/"&calc', /quote/],
  ['a single quote', "https://as.example.com/'&calc", /quote/],
  ['a backslash', 'https://as.example.com\\@evil.example/', /backslash/],
  ['a non-breaking space', 'https://as.example.com/\u00a0x', /U\+00A0/],
  ['a line separator', 'https://as.example.com/\u2028x', /U\+2028/],
  ['a relative URL', '/authorize?x=1', /not an absolute URL/],
  ['an option-looking string', '--help', /not an absolute URL/],
  ['10 KB', `https://as.example.com/authorize?pad=${'a'.repeat(10 * 1024)}`, /characters long/],
];

describe('validateOpenUrl', () => {
  for (const [name, input, reason] of HOSTILE) {
    it(`O8: refuses ${name} before any process is started`, async () => {
      const error = refusal(input);
      expect(error.message).toMatch(reason);
      expect(error.message.length).toBeLessThan(300);
      expect(error.message).not.toMatch(/[\r\n\u0000]/);

      const spy = createSpawnSpy();
      const opener = createSystemOpener({ env: {}, platform: 'linux', policy: strict, spawn: spy.spawn });
      await expect(opener.open(input)).rejects.toMatchObject({ code: ErrorCode.UnsafeOpenUrl });
      expect(spy.calls).toHaveLength(0);
    });
  }

  it('A7/O8: refuses loopback http unless insecure loopback is allowed', () => {
    expect(refusal('http://127.0.0.1:8080/authorize').message).toMatch(/--allow-insecure-loopback/);
    expect(validateOpenUrl('http://127.0.0.1:8080/authorize?a=1', loopbackOk).href).toBe('http://127.0.0.1:8080/authorize?a=1');
    expect(validateOpenUrl('http://localhost:9/x', loopbackOk).href).toBe('http://localhost:9/x');
    expect(validateOpenUrl('http://[::1]:9/x', loopbackOk).href).toBe('http://[::1]:9/x');
  });

  it('A7/O8: the length cap is exactly MAX_OPEN_URL_LENGTH', () => {
    const base = 'https://as.example.com/?p=';
    const fits = base + 'a'.repeat(MAX_OPEN_URL_LENGTH - base.length);
    expect(validateOpenUrl(fits, strict).href).toBe(fits);
    expect(refusal(`${fits}a`).message).toMatch(/limit is 8192/);
  });

  it('A7/O8: returns the re-serialised URL for valid input', () => {
    expect(validateOpenUrl('HTTPS://AS.Example.COM:443/authorize?a=1&b=2;c=(x)!*~%27', strict).href).toBe(
      'https://as.example.com/authorize?a=1&b=2;c=(x)!*~%27',
    );
    expect(validateOpenUrl('https://bücher.example/a', strict).href).toBe('https://xn--bcher-kva.example/a');
    expect(validateOpenUrl(new URL('https://as.example.com/a#frag'), strict).href).toBe('https://as.example.com/a#frag');
  });

  it('A7/O8: the error names the reason and truncates a huge input', () => {
    const error = refusal(`javascript:${'x'.repeat(5000)}`);
    expect(error.code).toBe(ErrorCode.UnsafeOpenUrl);
    expect(error.message.length).toBeLessThan(200);
    expect(error.details['reason']).toMatch(/scheme/);
    expect(error.hint).toBeDefined();
  });
});
