/** The apply tests' ground: a memory wallet with agent ci-bot, and a policy file granting it `read` at SERVER; gone after each test. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openMemoryWallet, type MemoryWallet } from '../../support/memory-wallet.js';

export const SERVER = 'https://mcp.example.com/mcp';

export interface PolicyGround {
  readonly memory: MemoryWallet;
  readonly file: string;
}

export function usePolicyGround(prefix: string): PolicyGround {
  let memory: MemoryWallet | undefined;
  let dir: string | undefined;
  beforeEach(async () => {
    memory = await openMemoryWallet();
    dir = await mkdtemp(`/tmp/${prefix}`);
    await memory.wallet.enrolAgent({ name: 'ci-bot' });
    await writeFile(join(dir, 'policy.json'), JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', grants: [{ server: SERVER, scopes: ['read'] }] }] }));
  });
  afterEach(async () => {
    await memory?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get memory(): MemoryWallet {
      if (memory === undefined) throw new Error('usePolicyGround: only inside a test');
      return memory;
    },
    get file(): string {
      if (dir === undefined) throw new Error('usePolicyGround: only inside a test');
      return join(dir, 'policy.json');
    },
  };
}
