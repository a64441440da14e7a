/**
 * The `--env-file` of `latchkey run`: dotenv-style lines that hold no secrets themselves, only
 * `{{latchkey:<mcp-url>}}` placeholders that become short-lived access tokens.
 *
 *   # comment
 *   export API_URL=https://api.example.com      # `export ` is allowed, trailing comments too
 *   GITHUB_TOKEN={{latchkey:github}}
 *   HEADER="Bearer {{latchkey:https://mcp.example.com/mcp}}"   # double quotes: \n \t \" \\ escapes
 *   RAW='kept as written'                        # single quotes: literal
 *
 * Errors name the line (never its value).
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export interface EnvEntry {
  key: string;
  value: string;
  line: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_FILE_BYTES = 256 * 1024;

function invalid(line: number, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.EnvFileInvalid, `Line ${line} of the env file ${why}.`, {
    hint: 'Write KEY=VALUE lines; quote values with spaces or # in them; comments start with #.',
    details: { line },
  });
}

export async function readEnvFile(path: string): Promise<EnvEntry[]> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) throw new Error('too large');
    text = bytes.toString('utf8');
  } catch (error) {
    throw new LatchkeyError(ErrorCode.EnvFileInvalid, `The env file "${path}" cannot be read.`, {
      hint: 'Check the path given to --env-file (at most 256 KB).',
      cause: error,
    });
  }
  return parseEnvFile(text);
}

export function parseEnvFile(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const body = trimmed.replace(/^export\s+/, '');
    const equals = body.indexOf('=');
    if (equals <= 0) throw invalid(line, 'is not KEY=VALUE');
    const key = body.slice(0, equals).trim();
    if (!KEY.test(key)) throw invalid(line, 'has a key that is not a valid variable name');
    if (seen.has(key)) throw invalid(line, `sets ${key} a second time`);
    seen.add(key);
    entries.push({ key, value: parseValue(body.slice(equals + 1).trim(), line), line });
  });
  return entries;
}

function parseValue(text: string, line: number): string {
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    const end = closingQuote(text, quote);
    if (end < 0) throw invalid(line, 'has a quote that is not closed');
    const rest = text.slice(end + 1).trim();
    if (rest !== '' && !rest.startsWith('#')) throw invalid(line, 'has text after the closing quote');
    const inner = text.slice(1, end);
    return quote === "'" ? inner : unescape(inner);
  }
  const comment = text.search(/\s#/);
  const value = (comment < 0 ? text : text.slice(0, comment)).trim();
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) throw invalid(line, 'has a control character');
  return value;
}

function closingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i += 1) {
    if (quote === '"' && text[i] === '\\') {
      i += 1;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (match, char: string) => ESCAPES[char] ?? match);
}
