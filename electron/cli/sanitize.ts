/**
 * Makes text that came from a server or an agent inert before it reaches a terminal: names,
 * scopes, resources, commands and reasons can carry escape sequences (colour, cursor moves, OSC
 * titles and links), NUL, line breaks that forge extra lines, or bidi overrides that make text
 * read differently from what it is (threats: terminal injection, spoofed approvals).
 */
import { writeLine, type CliIo } from './io.js';

/**
 * Controls (C0, DEL, C1), format characters (bidi embeddings, overrides and isolates, LRM/RLM,
 * zero-width characters, BOM), line and paragraph separators, and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function escapeCodePoint(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line of harmless text: every unsafe character shown as a visible escape (ESC → \x1b, U+202E → \u{202e}). */
export function sanitizeForTerminal(text: string): string {
  return text.replace(UNSAFE, escapeCodePoint);
}

function escapeForJson(char: string): string {
  // Per UTF-16 unit, so characters beyond the BMP (tag characters) become a surrogate pair.
  return [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

/**
 * JSON text that parses to exactly `value` but holds no raw unsafe character: JSON.stringify
 * already escapes C0 controls, this escapes DEL, C1, bidi and the rest as \uXXXX too. They can
 * only occur inside strings, so the result stays valid JSON.
 */
export function toInertJson(value: unknown, indent?: number): string {
  // A raw newline can only be the indentation's (JSON.stringify escapes those in strings).
  return JSON.stringify(value, null, indent).replace(UNSAFE, (char) => (char === '\n' ? char : escapeForJson(char)));
}

/** `--json` output: pretty JSON on stdout, inert (see toInertJson). */
export function writeInertJson(io: CliIo, value: unknown): void {
  writeLine(io.stdout, toInertJson(value, 2));
}
