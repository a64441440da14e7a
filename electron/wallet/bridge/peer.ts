/**
 * Who is at the other end of a bridge connection (threat T32). Node has no SO_PEERCRED, so the
 * operating system is asked another way (linux-peer.ts); other platforms answer "unknown". The
 * answer is shown to the owner on an enrolment prompt and checked against our own uid; it is never
 * an identity (the enrolled secret is, T12).
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ApprovalRequester } from '../../../shared/agents.js';

/** The process holding the other end of an accepted Unix socket. */
export interface PeerIdentity {
  pid: number;
  /**
   * Effective uids of every process holding that end (usually one; a forked child shares it), the
   * shown pid's first. Empty when they could not be read.
   */
  uids: readonly number[];
  /** /proc/<pid>/exe. */
  exe?: string;
  /** /proc/<pid>/cwd. */
  cwd?: string;
}

/** The port: undefined when the peer cannot be told (another platform, a tool missing, a race). */
export interface PeerIdentifier {
  identify(socket: Socket): Promise<PeerIdentity | undefined>;
}

/** Other platforms, and tests that want the "requester unknown" path. */
export const unknownPeers: PeerIdentifier = { identify: () => Promise.resolve(undefined) };

/** Who sent an enrolment request: the key its pending prompts count against, and what the owner sees. */
export interface EnrolRequester {
  /** `peer:<uid>:<pid>` when known, else one key per connection. */
  key: string;
  /** Absent: "requester unknown". */
  shown?: ApprovalRequester;
}

/** The requester for a peer (or an unknown one): pids are per process, unknown callers per request. */
export function requesterOf(identity: PeerIdentity | undefined): EnrolRequester {
  if (identity === undefined) return { key: `conn:${randomUUID()}` };
  const uid = identity.uids[0];
  return {
    key: `peer:${uid ?? '?'}:${identity.pid}`,
    shown: {
      pid: identity.pid,
      ...(uid === undefined ? {} : { uid }),
      ...(identity.exe === undefined ? {} : { exe: identity.exe }),
      ...(identity.cwd === undefined ? {} : { cwd: identity.cwd }),
    },
  };
}

/**
 * True when any process holding the peer's end is known to run as another user than `ownUid`,
 * root included: the socket is 0600 in a 0700 directory, so root is the only other user who can
 * reach it at all, and a root process enrolling into a user's wallet is never the normal path
 * (`sudo latchkey enrol` would leave the agent's secret in root's hands). Refusing it costs the
 * owner nothing; it is no defence against root, which can read the vault key anyway.
 */
export function isForeignPeer(identity: PeerIdentity | undefined, ownUid: number | undefined): boolean {
  if (identity === undefined || ownUid === undefined) return false;
  return identity.uids.some((uid) => uid !== ownUid);
}
