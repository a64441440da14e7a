/**
 * Sessions bound to their `latchkey run` (T36): the runner a session may be bound to is a live
 * process of our own user, recorded with its start time; a bound session's runner "still runs"
 * while that pid is the same process. Never used to authenticate (T12).
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isRunnerAlive, type ProcessProbe } from './runner-process.js';
import type { SessionRecord } from './records.js';

export interface Runner {
  pid: number;
  startId: string;
}

/** The runner a session may be bound to, or a session.runner_unverified error. */
export function verifyRunner(processes: ProcessProbe, pid: number): Runner {
  const found = Number.isInteger(pid) ? processes.identify(pid) : undefined;
  if (found === undefined) {
    throw new LatchkeyError(ErrorCode.SessionRunnerUnverified, `No running process ${String(pid).slice(0, 20)} to bind the session to.`, {
      hint: 'Start sessions with `latchkey run`, which binds the session to itself.',
    });
  }
  const ownUid = process.getuid?.();
  if (ownUid !== undefined && found.uid !== undefined && found.uid !== ownUid) {
    throw new LatchkeyError(ErrorCode.SessionRunnerUnverified, `Process ${pid} runs as another user; a session is bound to a process of yours.`, {
      hint: 'Run `latchkey run` as the user who runs Latchkey.',
    });
  }
  return { pid: found.pid, startId: found.startId };
}

/** A bound session's runner still runs (same pid, same start); unbound sessions always "run". */
export function runnerAlive(processes: ProcessProbe, session: SessionRecord): boolean {
  if (session.pid === undefined) return true;
  return isRunnerAlive(processes, { pid: session.pid, startId: session.runnerStart });
}
