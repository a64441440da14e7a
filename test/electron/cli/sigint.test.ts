import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const fixture = resolve(import.meta.dirname, 'fixtures/cli-with-memory-wallet.ts');

describe('Ctrl-C on a real process', () => {
  it('SIGINT during the browser step aborts the real wallet\'s connect (nothing stored) and exits 130 with "Cancelled.", no stack', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, 'connect', 'WORLD_MCP_URL', '--allow-insecure-loopback'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const waiting = new Promise<void>((resolveWaiting) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('Waiting for you to finish in the browser')) resolveWaiting();
      });
    });
    const exited = once(child, 'exit');
    await waiting;
    child.kill('SIGINT');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect(stderr).toMatch(/Cancelled\.\nfixture: the wallet holds 0 connections\n$/);
    expect(stderr).not.toMatch(/\n\s+at |error\[/);
    expect(stdout).toBe('');
  }, 30_000);
});
