/**
 * The one wording of who asks to enrol (T32), shared by the window, the CLI and the tray notice:
 * "pid 1234 · /usr/bin/node · cwd /home/x/project", or "requester unknown". The paths come from
 * the requesting process, so control and direction characters are replaced and long paths are
 * shortened in the middle: the line is inert text however the process named itself.
 */
import type { ApprovalRequester } from './agents.js';

export const UNKNOWN_REQUESTER = 'requester unknown';

/** Longest path shown; longer ones keep their start and end. */
const MAX_PATH = 160;

/** C0/C1 controls, bidi overrides and isolates, line and paragraph separators, zero-width characters. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

export function describeRequester(requester: ApprovalRequester | undefined): string {
  if (requester === undefined) return UNKNOWN_REQUESTER;
  const parts = [`pid ${requester.pid}`];
  parts.push(requester.exe === undefined ? 'program unknown' : inertPath(requester.exe));
  if (requester.cwd !== undefined) parts.push(`cwd ${inertPath(requester.cwd)}`);
  return parts.join(' · ');
}

function inertPath(path: string): string {
  const safe = path.replace(UNSAFE, '\ufffd');
  if (safe.length <= MAX_PATH) return safe;
  const half = Math.floor((MAX_PATH - 1) / 2);
  return `${safe.slice(0, half)}…${safe.slice(safe.length - half)}`;
}
