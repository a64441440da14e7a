/** Remembered answers in the vault: declined step-ups are matched by overlap, not by exact set (T3). */
import { afterEach, describe, expect, it } from 'vitest';
import { RememberedAnswers } from '../../../../electron/wallet/elicitation/remembered-answers.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';

const AGENT = 'agt_AAAAAAAAAAAAAAAAAAAA';
const OTHER = 'agt_BBBBBBBBBBBBBBBBBBBB';
const RESOURCE = 'https://mcp.example.com/mcp';

const vaults: Vault[] = [];
afterEach(async () => {
  await Promise.all(vaults.splice(0).map((vault) => vault.close()));
});

async function remembered(): Promise<RememberedAnswers> {
  const vault = await openVault({ dir: '', mode: 'memory' });
  vaults.push(vault);
  return new RememberedAnswers(vault);
}

describe('remembered answers: declined step-ups', () => {
  it('T3: after {admin, x1} is declined, {admin}, {x1} and {admin, x2} count as declined; {x2} does not', async () => {
    const answers = await remembered();
    await answers.declineStepUp(AGENT, RESOURCE, ['admin', 'x1']);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['admin'])).toBe(true);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['x1'])).toBe(true);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['admin', 'x2'])).toBe(true);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['x2'])).toBe(false);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, [])).toBe(false);
    expect(answers.isStepUpDeclined(OTHER, RESOURCE, ['admin'])).toBe(false);
    expect(answers.isStepUpDeclined(AGENT, 'https://other.example.com/mcp', ['admin'])).toBe(false);
  });

  it('T3: declining a set that overlaps an earlier one still remembers its new scopes', async () => {
    const answers = await remembered();
    await answers.declineStepUp(AGENT, RESOURCE, ['admin']);
    await answers.declineStepUp(AGENT, RESOURCE, ['admin', 'x2']);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['x2'])).toBe(true);
    await answers.forgetStepUps(AGENT, RESOURCE);
    expect(answers.isStepUpDeclined(AGENT, RESOURCE, ['admin', 'x2'])).toBe(false);
  });
});
