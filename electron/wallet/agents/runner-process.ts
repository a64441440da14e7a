/**
 * The process a session is bound to (threat T36): the `latchkey run` that started it. A session
 * lives only as long as that process: pid AND start time, so a pid the kernel hands to a new
 * process later never revives it. This is the port to the process table; the registry asks it.
 *
 * Linux: /proc/<pid>/stat (state, field 3; start time in clock ticks since boot, field 22) with the
 * boot id, so the start time stays unique across reboots; the uid from /proc/<pid>/status.
 * Elsewhere: the pid alone, through signal 0 (a process of another user answers EPERM: not ours).
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Unique for this process over the machine's lifetime ('' where the platform cannot tell). */
  startId: string;
  /** Real uid, where the platform tells (Linux). */
  uid?: number;
}

export interface ProcessProbe {
  /** The live process with this pid, or undefined when there is none (a zombie counts as none). */
  identify(pid: number): ProcessIdentity | undefined;
}

function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** Reads /proc/<pid>/stat: undefined when the process is gone or a zombie. */
export function parseProcStat(text: string): { state: string; startTicks: string } | undefined {
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
  const state = fields[0];
  const startTicks = fields[19]; // field 22
  if (state === undefined || startTicks === undefined || !/^\d{1,20}$/.test(startTicks)) return undefined;
  return { state, startTicks };
}

class LinuxProcessProbe implements ProcessProbe {
  private bootId: string | undefined;

  identify(pid: number): ProcessIdentity | undefined {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    let stat: ReturnType<typeof parseProcStat>;
    let status: string;
    try {
      stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      status = readFileSync(`/proc/${pid}/status`, 'latin1');
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ESRCH') return undefined;
      throw error;
    }
    if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return undefined;
    const uid = /^Uid:\s+(\d+)\s/m.exec(status)?.[1];
    return { pid, startId: `${this.boot()}:${stat.startTicks}`, ...(uid === undefined ? {} : { uid: Number(uid) }) };
  }

  private boot(): string {
    this.bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    return this.bootId;
  }
}

const signalProbe: ProcessProbe = {
  identify(pid) {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return { pid, startId: '' };
    } catch {
      return undefined; // ESRCH: gone; EPERM: another user's process, so not the runner that was ours
    }
  },
};

export function createProcessProbe(platform: NodeJS.Platform = process.platform): ProcessProbe {
  return platform === 'linux' ? new LinuxProcessProbe() : signalProbe;
}

/** Whether the process a session was bound to still runs: same pid, same start (where known). */
export function isRunnerAlive(probe: ProcessProbe, runner: { pid: number; startId?: string | undefined }): boolean {
  const now = probe.identify(runner.pid);
  if (now === undefined) return false;
  return runner.startId === undefined || runner.startId === '' || now.startId === runner.startId;
}
