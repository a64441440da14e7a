/** A mistake in how the command was called: exit code 2, with a hint. Never crosses into the wallet. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly hint: string;

  constructor(message: string, hint = 'Run "latchkey help" to see the commands and their options.') {
    super(message);
    this.hint = hint;
  }
}

/** The user pressed Ctrl-C (in a prompt, or during a command): exit code 130, "Cancelled." */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('Cancelled.');
  }
}
