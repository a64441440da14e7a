/**
 * A writer child for the kill tests (vault V5, the audit kill storm): spawned with the vault key in
 * its environment, its stdout read line by line, its close awaited.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Writer {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  exited: Promise<void>;
}

export function startWriter(args: string[], key: string): Writer {
  const child = spawn(process.execPath, args, { env: { ...process.env, LATCHKEY_TEST_VAULT_KEY: key }, stdio: 'pipe' });
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), exited };
}

/** The writer's next line, or undefined once its stdout ended. */
export async function nextLine(writer: Writer): Promise<string | undefined> {
  const { value, done } = await writer.lines.next();
  return done === true ? undefined : (value as string);
}
