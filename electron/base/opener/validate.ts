/**
 * Validation of every URL Latchkey hands to a browser (protocol.md A7, threat T04).
 *
 * A hostile authorization server or MCP server controls the URLs we open. The checks below make
 * sure that what reaches the platform opener is a plain, absolute https URL (or loopback http when
 * the user allowed it) that no shell, launcher or argument parser could read as anything else.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost, truncate, type UrlPolicy } from '../../../shared/url.js';

/** Longer URLs are refused: no legitimate authorization URL comes close. */
export const MAX_OPEN_URL_LENGTH = 8 * 1024;

/**
 * Characters refused anywhere in the raw input and in the re-serialised URL:
 * C0 controls (NUL, CR, LF, TAB …), DEL, C1 controls, every Unicode whitespace or invisible
 * separator, backticks, both quote characters and the backslash.
 */
const FORBIDDEN_CHARACTER = /[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff`'"\\]/u;

/** Shell command substitution and variable expansion. */
const SHELL_EXPANSION = /\$[({]/;

function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const names: Record<string, string> = {
    '\u0000': 'a NUL character',
    '\r': 'a carriage return',
    '\n': 'a line feed',
    '\t': 'a tab',
    ' ': 'a space',
    '`': 'a backtick',
    "'": 'a quote character',
    '"': 'a quote character',
    '\\': 'a backslash',
  };
  return names[char] ?? `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A printable, bounded rendering of untrusted input for an error message. */
function quoteForMessage(raw: string): string {
  const printable = truncate(raw, 200).replace(/[^\u0021-\u007e]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
  return `"${truncate(printable, 80)}"`;
}

/** Why a URL was refused, as a short stable code (audit reasons key on it; `reason` is for people). */
export type UnsafeUrlCode = 'too-long' | 'not-absolute' | 'scheme' | 'insecure' | 'userinfo' | 'no-host' | 'characters';

function refuse(raw: string, code: UnsafeUrlCode, reason: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.UnsafeOpenUrl, `Refusing to open ${quoteForMessage(raw)}: ${reason}.`, {
    hint: 'The server sent a URL Latchkey will not open. Do not open it by hand; report it to the server operator.',
    details: { reason, code },
  });
}

function checkCharacters(raw: string, what: string): string | undefined {
  const bad = FORBIDDEN_CHARACTER.exec(raw);
  if (bad !== null) return `${what} contains ${describeCharacter(bad[0])}`;
  if (SHELL_EXPANSION.test(raw)) return `${what} contains a shell expansion ("$(" or "\${")`;
  return undefined;
}

/**
 * Checks a URL before it is opened in a browser and returns the URL to open, re-serialised by
 * the WHATWG parser. Throws `LatchkeyError(ErrorCode.UnsafeOpenUrl)` naming the reason.
 *
 * Accepted: absolute `https:` URLs with a host; `http:` only for loopback hosts and only when
 * `policy.allowInsecureLoopback`. Refused: every other scheme (`javascript:`, `data:`, `file:`,
 * `vbscript:`, `ms-msdt:`, custom schemes …), userinfo, control characters, whitespace,
 * quotes, backticks, backslashes, `$(`/`${`, and inputs over `MAX_OPEN_URL_LENGTH`.
 */
export function validateOpenUrl(input: string | URL, policy: UrlPolicy): URL {
  const raw = typeof input === 'string' ? input : input.href;
  if (raw.length > MAX_OPEN_URL_LENGTH) {
    throw refuse(raw, 'too-long', `it is ${raw.length} characters long (the limit is ${MAX_OPEN_URL_LENGTH})`);
  }
  const rawProblem = checkCharacters(raw, 'it');
  if (rawProblem !== undefined) throw refuse(raw, 'characters', rawProblem);

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, 'not-absolute', 'it is not an absolute URL');
  }

  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) throw refuse(raw, 'insecure', 'plain http is only allowed for loopback addresses');
    if (!policy.allowInsecureLoopback) {
      throw refuse(raw, 'insecure', 'plain http to a loopback address needs --allow-insecure-loopback');
    }
  } else if (url.protocol !== 'https:') {
    throw refuse(raw, 'scheme', `the scheme "${truncate(url.protocol, 20)}" is not https`);
  }
  if (url.username !== '' || url.password !== '') throw refuse(raw, 'userinfo', 'it contains a user name or password');
  if (url.hostname === '') throw refuse(raw, 'no-host', 'it has no host');

  // Re-serialise and check the result as well: what we open is the parser's output, not the input.
  const serialised = url.href;
  if (serialised.length > MAX_OPEN_URL_LENGTH) throw refuse(raw, 'too-long', 'it grows past the length limit when normalised');
  const serialisedProblem = checkCharacters(serialised, 'its normalised form');
  if (serialisedProblem !== undefined) throw refuse(raw, 'characters', serialisedProblem);
  // Anything that starts with "-" could be read as an option by a launcher; a parsed URL never does.
  if (!/^https?:\/\//.test(serialised)) throw refuse(raw, 'scheme', 'its normalised form is not an http(s) URL');
  return new URL(serialised);
}
