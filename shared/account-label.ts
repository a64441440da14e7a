/**
 * The account label rule (protocol.md T8) without zod: connections.ts's AccountLabel schema and
 * the CLI's `--account` check (which runs on every `latchkey token` and must not load zod) share it.
 */

/** A case-folded label: up to 32 of a-z 0-9 . _ -, starting with a letter or digit. */
export const ACCOUNT_LABEL_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** The longest text looked at before case-folding. */
export const ACCOUNT_LABEL_MAX_INPUT = 64;

/** The case-folded label, or undefined when `text` is not one (what AccountLabel.safeParse accepts). */
export function normalizeAccountLabel(text: string): string | undefined {
  if (text.length > ACCOUNT_LABEL_MAX_INPUT) return undefined;
  const label = text.toLowerCase();
  return ACCOUNT_LABEL_PATTERN.test(label) ? label : undefined;
}
