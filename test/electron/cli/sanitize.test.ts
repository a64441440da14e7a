import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, toInertJson } from '../../../electron/cli/sanitize.js';

/** True when `text` holds no character a terminal would act on or reorder. */
function isInert(text: string): boolean {
  return !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text.replace(/\n/gu, ''));
}

describe('sanitizeForTerminal', () => {
  it('escapes ESC sequences (CSI, OSC title and hyperlink) so they print as text', () => {
    const hostile = '\u001b[2J\u001b[31mred\u001b]0;pwned\u0007\u001b]8;;https://evil.example\u001b\\link';
    const out = sanitizeForTerminal(hostile);
    expect(out).toBe('\\x1b[2J\\x1b[31mred\\x1b]0;pwned\\x07\\x1b]8;;https://evil.example\\x1b\\link');
    expect(isInert(out)).toBe(true);
  });

  it('escapes U+202E and the other bidi overrides and isolates', () => {
    expect(sanitizeForTerminal('files:\u202Edaer')).toBe('files:\\u{202e}daer');
    for (const char of ['\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
      expect(isInert(sanitizeForTerminal(`a${char}b`))).toBe(true);
    }
  });

  it('escapes NUL, DEL, C1 controls (CSI 0x9b) and line breaks that would forge extra lines', () => {
    expect(sanitizeForTerminal('a\u0000b')).toBe('a\\x00b');
    expect(sanitizeForTerminal('a\u007fb\u009b31m')).toBe('a\\x7fb\\x9b31m');
    expect(sanitizeForTerminal('ok\nAPPROVED\r\u2028x')).toBe('ok\\x0aAPPROVED\\x0d\\u{2028}x');
  });

  it('escapes zero-width characters and tag characters beyond the BMP', () => {
    expect(sanitizeForTerminal('a\u200Bb\uFEFF')).toBe('a\\u{200b}b\\u{feff}');
    expect(sanitizeForTerminal('x\u{E0041}')).toBe('x\\u{e0041}');
  });

  it('leaves ordinary text, URLs and non-Latin letters alone', () => {
    for (const text of ['https://mcp.example.com/mcp?x=1', 'files:read files:write', 'ci-bot_2.0', 'Grüße ✓ 日本語', 'emoji 🙂']) {
      expect(sanitizeForTerminal(text)).toBe(text);
    }
  });
});

describe('toInertJson', () => {
  it('parses back to the same value while holding no raw control, C1 or bidi character', () => {
    const value = { name: 'a\u001b[31m\u202E\u0000\u009b\u2028\u{E0041}', list: ['\u200F', 'plain'], n: 1 };
    for (const indent of [undefined, 2]) {
      const text = toInertJson(value, indent);
      expect(JSON.parse(text)).toEqual(value);
      expect(isInert(text)).toBe(true);
    }
    expect(toInertJson({ s: '\u202E' })).toBe('{"s":"\\u202e"}');
  });
});
