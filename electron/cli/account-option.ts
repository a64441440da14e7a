/**
 * `--account LABEL` (protocol.md T8): which of the owner's accounts on a server a command means.
 * Absent: the server's default account, or its only one. Checked here so a bad label is a usage
 * error before any wallet or bridge is reached.
 */
import { normalizeAccountLabel } from '../../shared/account-label.js';
import { sanitizeForTerminal as inert } from './sanitize.js';
import { getString, type OptionSpec, type RawArgs } from './spec.js';
import { UsageError } from './usage-error.js';

export const ACCOUNT_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'LABEL',
  description: 'Which of your accounts on the server (e.g. work, personal); default: its default or only account.',
};

/** The case-folded label, or undefined when --account was not given. */
export function parseAccount(raw: RawArgs): string | undefined {
  const text = getString(raw.values, 'account');
  if (text === undefined) return undefined;
  const label = normalizeAccountLabel(text);
  if (label === undefined) {
    throw new UsageError(
      `--account "${inert(text.slice(0, 64))}" is not an account label.`,
      'Use a short name of a-z 0-9 . _ - (up to 32, starting with a letter or digit), e.g. --account work; not an email address.',
    );
  }
  return label;
}
