/**
 * T41 at the confirmation prompt of `latchkey policy apply`: the wallet changes while the owner
 * reads the plan (another owner action, or someone racing the review). The owner's "y" answers
 * the plan that was shown, so the wallet, whose plan is now another, refuses it and changes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { runPolicyApply } from '../../../electron/cli/commands/policy.js';
import { FakeTty, ttyIo } from './fake-tty.js';
import { SERVER, usePolicyGround } from './policy-ground.js';


/** A terminal that, once the prompt listens, runs `meanwhile` and only then types `answer`. */
class SlowReader extends FakeTty {
  constructor(
    private readonly meanwhile: () => Promise<void>,
    private readonly typed: string,
  ) {
    super();
  }
  override on(event: string, listener: (...args: unknown[]) => void): this {
    super.on(event, listener);
    if (event === 'data') {
      this.meanwhile().then(
        () => this.emit('data', this.typed),
        (error: unknown) => this.emit('error', error),
      );
    }
    return this;
  }
}

describe('T41: the plan changes between what the owner read and the answer', () => {
  const ground = usePolicyGround('lk-policy-tamper-');

  it('T41: an agent enrolled while the prompt waits makes the shown plan stale: refused with policy.stale, nothing applied', async () => {
    const tty = new SlowReader(async () => {
      await ground.memory.wallet.enrolAgent({ name: 'slipped-in' });
    }, 'y');
    const { io, stdout } = ttyIo(tty);
    await expect(runPolicyApply(ground.memory.wallet, { file: ground.file, json: false, yes: false }, io)).rejects.toMatchObject({ code: ErrorCode.PolicyStale });
    expect(stdout.text).toContain(`+ grant ci-bot → ${SERVER}  [widens access]`);
    expect(stdout.text).not.toContain('slipped-in');
    expect(await ground.memory.wallet.listGrants()).toEqual([]);
    expect((await ground.memory.wallet.listAgents()).map((agent) => agent.name).sort()).toEqual(['ci-bot', 'slipped-in']);
  });

  it('T41: the file edited while the prompt waits changes nothing: the answer applies what was shown, or nothing', async () => {
    const tty = new SlowReader(async () => {
      await writeFile(ground.file, JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', grants: [{ server: SERVER, scopes: ['read', 'admin'] }] }] }));
    }, 'y');
    const { io } = ttyIo(tty);
    expect(await runPolicyApply(ground.memory.wallet, { file: ground.file, json: false, yes: false }, io)).toBe(0);
    expect((await ground.memory.wallet.listGrants()).map((grant) => grant.scopes)).toEqual([['read']]);
  });
});
