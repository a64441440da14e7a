/** The Activity log's "who asked" line: innermost first, ending with the human owner when the audit names them. */
import { describe, expect, it } from 'vitest';
import { chainLine } from '../../../../renderer/screens/activity/chain-line.js';

describe('chainLine', () => {
  it('a delegated hand-out: sub-session ← session ← agent ← owner and their subject', () => {
    expect(chainLine({ chain: ['ses_child', 'ses_parent', 'lead-bot', 'owner'], owner: 'alice' })).toBe('ses_child ← ses_parent ← lead-bot ← owner alice');
  });

  it('an owner the token does not name (an opaque token) stays "owner"', () => {
    expect(chainLine({ chain: ['ses_1', 'lead-bot', 'owner'] })).toBe('ses_1 ← lead-bot ← owner');
  });

  it('no chain recorded: the owner alone, or nothing', () => {
    expect(chainLine({ owner: 'alice' })).toBe('owner alice');
    expect(chainLine({})).toBe('');
  });

  it('a chain that does not end with the owner is shown as recorded, the owner beside it', () => {
    expect(chainLine({ chain: ['ci-bot', 'own-client:ci-bot-key'], owner: 'alice' })).toBe('ci-bot ← own-client:ci-bot-key (owner alice)');
    expect(chainLine({ chain: ['ci-bot', 'own-client:ci-bot-key'] })).toBe('ci-bot ← own-client:ci-bot-key');
  });
});
