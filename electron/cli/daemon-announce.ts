/**
 * What `latchkey daemon` prints for an approval that needs the owner: the tray notice's words
 * (who asks what, the page's site, its warnings, the message), as inert text, and the commands
 * that decide it. The daemon loads this module on its first approval, not at start-up: the notice
 * words carry the URL facts and the Public Suffix List.
 */
import type { Approval } from '../../shared/agents.js';
import { noticeFor } from '../wallet/approvals/approval-notices.js';
import { sanitizeForTerminal } from './sanitize.js';

export function announce(approval: Approval, write: (line: string) => void): void {
  const notice = noticeFor(approval);
  write(`Approval needed [${approval.id}]: ${sanitizeForTerminal(notice.title)}.`);
  if (notice.emphasis !== undefined) write(`  site: ${sanitizeForTerminal(notice.emphasis)}`);
  for (const line of notice.body.split('\n')) if (line !== '') write(`  ${sanitizeForTerminal(line)}`);
  write(`  latchkey approvals (full details)   |   latchkey approve ${approval.id} [--remember]   |   latchkey deny ${approval.id}`);
}
