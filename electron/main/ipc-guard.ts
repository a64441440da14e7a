/**
 * The checks every IPC handler runs before it touches the wallet (threat T19, tests E3/E4).
 * Pure: the handlers pass plain facts about the sending frame, so this runs without Electron.
 */
import { z } from 'zod';
import type { ConnectParams } from '../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { callOwnerMethod, parseConnectParams } from '../wallet/host/owner-call.js';
import { toWireError, type WireError } from '../wallet/host/wire.js';
import type { Wallet } from '../wallet/wallet-api.js';
import { APP_HOST, APP_SCHEME } from './policy.js';

/** What the handler knows about `event.senderFrame`; undefined when there is no frame. */
export interface SenderFacts {
  url: string;
  /** The frame is its page's top frame (no parent). */
  isTop: boolean;
}

export type IpcReply<T = unknown> = { result: T } | { error: WireError };

function refuseSender(reason: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.ForbiddenOrigin, `The wallet only answers Latchkey's own window (${reason}).`);
}

/** Throws unless the sender is the top frame of a page whose origin is exactly app://latchkey. */
export function checkSender(sender: SenderFacts | undefined): void {
  if (sender === undefined) throw refuseSender('no sending frame');
  let url: URL;
  try {
    url = new URL(sender.url);
  } catch {
    throw refuseSender('the frame has no valid URL');
  }
  // Node gives custom schemes an opaque origin, so compare the parts that make up Chromium's.
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') {
    throw refuseSender('wrong origin');
  }
  if (!sender.isTop) throw refuseSender('a subframe');
}

const ConnectId = z.string().min(1).max(64);

/** Validates a streamed connect: the caller's progress id and the connect params. */
export function parseConnect(id: unknown, params: unknown): { id: string; params: ConnectParams } {
  const parsedId = ConnectId.safeParse(id);
  if (!parsedId.success) throw new LatchkeyError(ErrorCode.InvalidInput, 'Invalid parameters for connect: the progress id.');
  return { id: parsedId.data, params: parseConnectParams(params) };
}

/** Calls a method through the one validated call every transport shares (owner-call.ts). */
export function dispatchCall(wallet: Wallet, method: unknown, params: unknown): Promise<unknown> {
  return callOwnerMethod(wallet, method, params);
}

/** Checks the sender, then runs `work`; every failure becomes `{error}` without a stack. */
export async function guardedReply<T>(sender: SenderFacts | undefined, work: () => Promise<T>): Promise<IpcReply<T>> {
  try {
    checkSender(sender);
    return { result: await work() };
  } catch (error) {
    return { error: toWireError(error) };
  }
}
