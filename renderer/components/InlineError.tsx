/** A refusal shown where it happened (in a form or a section): the message, its code and what to do next; never a stack. */
import type { UiError } from '../store/index.js';
import { Text } from './Text.js';

interface InlineErrorProps {
  error: UiError;
  /** Replaces the wallet's hint with the window's own next step. */
  hint?: string;
}

export function InlineError({ error, hint }: InlineErrorProps) {
  const next = hint ?? error.hint;
  return (
    <div className="load-error" role="alert">
      <p>
        <Text value={error.message} wrap /> <code>{error.code}</code>
      </p>
      {next !== undefined && (
        <p>
          <Text value={next} wrap />
        </p>
      )}
    </div>
  );
}
