/**
 * `{{latchkey:<mcp-url>}}` in env values: each distinct reference is asked for once
 * (through the bridge, with the session secret: the agent's own hand-out, under its grant and
 * audited) and replaced by the access token. Any failure stops `latchkey run` before the child starts.
 */
import { ErrorCode, isLatchkeyError, LatchkeyError } from '../../../shared/errors.js';
import type { EnvEntry } from './env-file.js';

const PLACEHOLDER = /\{\{\s*latchkey:([^{}\s]+)\s*\}\}/g;
const ANY_PLACEHOLDER = /\{\{\s*latchkey\b/;

export type FetchAccessToken = (reference: string) => Promise<string>;

/** The distinct references in the entries, in order of first use. Malformed placeholders are errors. */
export function findPlaceholders(entries: readonly EnvEntry[]): string[] {
  const references = new Set<string>();
  for (const entry of entries) {
    for (const match of entry.value.matchAll(PLACEHOLDER)) references.add(match[1] ?? '');
    if (ANY_PLACEHOLDER.test(entry.value.replace(PLACEHOLDER, ''))) {
      throw new LatchkeyError(ErrorCode.EnvFileInvalid, `Line ${entry.line} of the env file (${entry.key}) has a malformed placeholder.`, {
        hint: 'Write {{latchkey:<mcp-url>}}, e.g. {{latchkey:https://mcp.example.com/mcp}}.',
        details: { line: entry.line },
      });
    }
  }
  return [...references];
}

/** Env values with every placeholder replaced by a token; throws PlaceholderFailed naming the reference. */
export async function resolvePlaceholders(entries: readonly EnvEntry[], fetchToken: FetchAccessToken): Promise<Record<string, string>> {
  const references = findPlaceholders(entries);
  const tokens = new Map<string, string>();
  for (const reference of references) {
    try {
      tokens.set(reference, await fetchToken(reference));
    } catch (error) {
      const why = isLatchkeyError(error) ? `${error.message} (${error.code})` : 'the bridge could not be asked';
      throw new LatchkeyError(ErrorCode.PlaceholderFailed, `No token for {{latchkey:${reference}}}: ${why}`, {
        hint: 'Check the MCP server URL and the agent\'s grants ("latchkey grant list"), then run again.',
        details: { reference, ...(isLatchkeyError(error) ? { cause: error.code } : {}) },
        cause: error,
      });
    }
  }
  const values: Record<string, string> = {};
  for (const entry of entries) values[entry.key] = entry.value.replace(PLACEHOLDER, (_match, reference: string) => tokens.get(reference) ?? '');
  return values;
}
