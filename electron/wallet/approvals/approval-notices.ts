/**
 * The tray path (threats E8/E9): every approval the wallet raises becomes a desktop notice that
 * names the server and the agent, puts the page's registrable domain up front and lists the
 * URL's warnings before the server's own words. Approve / Decline on the notice decide it like
 * the window would; a decision anywhere takes the notice away. The notice never carries the full
 * URL (the window shows it) and its text is plain text only.
 */
import type { Approval } from '../../../shared/agents.js';
import { isLatchkeyError } from '../../../shared/errors.js';
import { describeRequester } from '../../../shared/requester.js';
import { urlFacts } from '../../../shared/url-facts.js';
import type { Logger, Notice, NoticeAction, Notifier } from '../../base/ports.js';
import type { Verdict } from './approval-queue.js';
import type { Unsubscribe } from '../../base/async/typed-events.js';

/** What the notices follow: the approval queue, or (the desktop app) the host's approvals read from its events. */
export interface NoticeApprovals {
  on(event: 'raised' | 'decided', listener: (approval: Approval) => void): Unsubscribe;
  /** Its result, if any, is not used. */
  decide(id: string, verdict: Verdict): unknown;
}

export interface ApprovalNoticesOptions {
  approvals: NoticeApprovals;
  notifier: Notifier;
  logger: Logger;
  /** A click on the notice itself (not a button). */
  openWindow?: () => void;
}

const MAX_NAME = 64;
const MAX_HOST = 120;
const MAX_MESSAGE = 240;
const MAX_SCOPES = 160;

/** Shows a notice for each raised approval until it is decided; returns the unsubscribe. */
export function attachApprovalNotices(options: ApprovalNoticesOptions): Unsubscribe {
  const { approvals, notifier, logger } = options;
  const act = (id: string, action: NoticeAction): void => {
    if (action === 'open') {
      options.openWindow?.();
      return;
    }
    try {
      approvals.decide(id, action);
    } catch (error) {
      logger.warn('deciding from a notification failed', { approval: id, reason: isLatchkeyError(error) ? error.code : 'unknown' });
      options.openWindow?.();
    }
  };
  const unsubscribers = [
    approvals.on('raised', (approval) => {
      try {
        notifier.show(noticeFor(approval), (action) => act(approval.id, action));
      } catch (error) {
        logger.warn('could not show a notification', { approval: approval.id, reason: error instanceof Error ? error.name : 'unknown' });
      }
    }),
    approvals.on('decided', (approval) => {
      try {
        notifier.dismiss(approval.id);
      } catch (error) {
        logger.warn('could not take a notification away', { approval: approval.id, reason: error instanceof Error ? error.name : 'unknown' });
      }
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}

/** What a notice says about one approval. */
export function noticeFor(approval: Approval): Notice {
  const agent = clip(approval.agentName, MAX_NAME);
  const server = hostOf(approval.resource);
  const approveDeny = [
    { action: 'approve', label: 'Approve' },
    { action: 'deny', label: 'Decline' },
  ] as const;
  switch (approval.kind) {
    case 'enrolment':
      return {
        id: approval.id,
        title: `“${agent}” asks to become an agent`,
        body: `${requesterLine(approval)}\nApprove only if you just started this program.`,
        actions: approveDeny,
      };
    case 'consent':
      return { id: approval.id, title: `${agent} asks for access to ${server}`, body: scopesText(approval.scopes), actions: approveDeny };
    case 'step-up':
      return {
        id: approval.id,
        title: `${agent} asks for more access to ${server}`,
        body: `Agent holds: ${scopeList(approval.currentScopes)}\nNew for it: ${scopeList(newScopes(approval))}\nApproving signs you in again.`,
        actions: approveDeny,
      };
    case 'url-elicitation':
      return {
        ...pageNotice(approval, `${server} asks you to open a page for ${agent}`),
        actions: [
          { action: 'approve', label: 'Open page' },
          { action: 'deny', label: 'Decline' },
        ],
      };
    case 'elicitation-retry':
      return {
        ...pageNotice(approval, `${agent} waits for you on a page of ${server}`),
        actions: [
          { action: 'approve', label: 'Retry now' },
          { action: 'deny', label: 'Give up' },
        ],
      };
  }
}

/** Title, emphasis (the page's registrable domain) and body (warnings first, then the message). */
function pageNotice(approval: Approval, title: string): Pick<Notice, 'id' | 'title' | 'body' | 'emphasis'> {
  const facts = approval.url === undefined ? undefined : urlFacts(approval.url, { server: approval.resource });
  const lines = [...(facts?.warnings.map((warning) => `⚠ ${warning.text}`) ?? [])];
  if (approval.message !== undefined && approval.message !== '') lines.push(`“${clip(approval.message, MAX_MESSAGE)}”`);
  return {
    id: approval.id,
    title,
    ...(facts === undefined ? {} : { emphasis: facts.site }),
    body: lines.length === 0 ? 'Open Latchkey to see the page.' : lines.join('\n'),
  };
}

/** Which process asks to enrol (T32): "Requested by pid 1234 · /usr/bin/node · cwd /home/x", or unknown. */
function requesterLine(approval: Approval): string {
  return approval.requester === undefined ? 'Requester unknown: Latchkey could not tell which program asks.' : `Requested by ${describeRequester(approval.requester)}`;
}

function hostOf(resource: string | undefined): string {
  if (resource === undefined) return 'a server';
  try {
    return clip(new URL(resource).host, MAX_HOST);
  } catch {
    return 'a server';
  }
}

function scopesText(scopes: readonly string[] | undefined): string {
  return scopes === undefined || scopes.length === 0 ? 'Its default scopes.' : `Scopes: ${scopeList(scopes)}`;
}

/** A step-up's scopes the agent does not hold yet (what approving grants it). */
function newScopes(approval: Approval): string[] {
  const held = new Set(approval.currentScopes ?? []);
  return (approval.scopes ?? []).filter((scope) => !held.has(scope));
}

function scopeList(scopes: readonly string[] | undefined): string {
  return scopes === undefined || scopes.length === 0 ? '(none)' : clip(scopes.join(' '), MAX_SCOPES);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
