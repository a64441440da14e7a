/**
 * The Node implementation of the Opener port: the platform's URL launcher, started without a
 * shell (threat T04). Every URL is validated again here, whatever the caller did before.
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { UrlPolicy } from '../../../shared/url.js';
import { scrubEnv } from '../process/scrub-env.js';
import type { Opener } from '../ports.js';
import { validateOpenUrl } from './validate.js';

/** The part of a child process the opener uses. Node's `ChildProcess` satisfies it. */
export interface SpawnedProcess {
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  unref(): void;
}

/** The shape of `child_process.spawn` the opener calls; `child_process.spawn` itself fits. */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => SpawnedProcess;

export interface OpenCommand {
  command: string;
  args: string[];
  /** Where the command came from, for messages. */
  source: 'BROWSER' | 'platform';
}

export interface SystemOpenerOptions {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  policy: UrlPolicy;
  /** Defaults to `child_process.spawn`. */
  spawn?: SpawnFunction;
}

/**
 * Parses the `BROWSER` environment variable into a command, the way xdg-open and most CLIs read it:
 *
 * - It is a list of commands separated by `:` (`;` on Windows); only the first non-empty entry
 *   is used.
 * - That entry is split on whitespace into the program and its arguments. There is no shell and
 *   no quoting: a program path with spaces in it cannot be used (point BROWSER at a wrapper).
 * - Every `%s` in an argument is replaced by the URL. If no argument contains `%s`, the URL is
 *   appended as one last argument. Either way the URL stays a single argv element.
 *
 * Returns undefined when BROWSER is unset or empty.
 */
export function parseBrowserVariable(value: string | undefined, url: string, platform: NodeJS.Platform): OpenCommand | undefined {
  if (value === undefined) return undefined;
  const separator = platform === 'win32' ? ';' : ':';
  const entry = value
    .split(separator)
    .map((part) => part.trim())
    .find((part) => part !== '');
  if (entry === undefined) return undefined;
  const [command, ...rest] = entry.split(/\s+/u);
  if (command === undefined || command === '') return undefined;
  const hasPlaceholder = rest.some((arg) => arg.includes('%s'));
  const args = hasPlaceholder ? rest.map((arg) => arg.replaceAll('%s', url)) : [...rest, url];
  return { command, args, source: 'BROWSER' };
}

/**
 * The command that opens `url`: BROWSER when set, else the platform launcher. On Windows that is
 * `rundll32.exe url.dll,FileProtocolHandler <url>` from the system directory: it hands the URL to
 * the registered https handler (ShellExecute) as one argument, without cmd.exe.
 */
export function resolveOpenCommand(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): OpenCommand {
  const fromBrowser = parseBrowserVariable(env['BROWSER'], url, platform);
  if (fromBrowser !== undefined) return fromBrowser;
  switch (platform) {
    case 'darwin':
      return { command: '/usr/bin/open', args: [url], source: 'platform' };
    case 'win32': {
      const systemRoot = env['SystemRoot'] ?? env['SYSTEMROOT'] ?? 'C:\\Windows';
      return { command: `${systemRoot}\\System32\\rundll32.exe`, args: ['url.dll,FileProtocolHandler', url], source: 'platform' };
    }
    default:
      return { command: 'xdg-open', args: [url], source: 'platform' };
  }
}

function openerFailed(command: OpenCommand, cause: unknown): LatchkeyError {
  const reason = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : 'it could not be started';
  const where = command.source === 'BROWSER' ? `the BROWSER command "${command.command}"` : `"${command.command}"`;
  return new LatchkeyError(ErrorCode.OpenerFailed, `Could not open a browser: ${where} failed (${reason}).`, {
    hint:
      command.source === 'BROWSER'
        ? 'Check the BROWSER environment variable, or open the URL shown yourself.'
        : 'Install xdg-utils or set BROWSER to your browser command, or open the URL shown yourself.',
    details: { command: command.command, reason },
    cause,
  });
}

/**
 * Starts the command detached, resolving once it has started and rejecting if it cannot. The
 * browser gets the environment without Latchkey's secrets (T34): it never needs them.
 */
function launch(spawn: SpawnFunction, command: OpenCommand, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let child: SpawnedProcess;
    try {
      child = spawn(command.command, command.args, {
        shell: false,
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
        env: scrubEnv(env),
      });
    } catch (error) {
      reject(openerFailed(command, error));
      return;
    }
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('error', (error) => reject(openerFailed(command, error)));
  });
}

/** The Opener port, also taking the raw string a server sent (validated the same way). */
export interface SystemOpener extends Opener {
  open(url: URL | string): Promise<void>;
}

/** The Opener port for Node: validates, then starts the browser without a shell. */
export function createSystemOpener(options: SystemOpenerOptions): SystemOpener {
  const spawn: SpawnFunction = options.spawn ?? nodeSpawn;
  return {
    async open(url: URL | string): Promise<void> {
      const safe = validateOpenUrl(url, options.policy);
      await launch(spawn, resolveOpenCommand(safe.href, options.env, options.platform), options.env);
    },
  };
}
