import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run world starts the test world by hand', () => {
  it('prints the authorization server and MCP server URLs, both answer, and Ctrl-C stops it cleanly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/world.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      const lines: string[] = [];
      for await (const line of createInterface({ input: child.stdout })) {
        lines.push(line);
        if (line.includes('try: latchkey connect')) break;
      }
      const text = lines.join('\n');
      const issuer = /authorization server\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      const mcpUrl = /MCP server\s+(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(text)?.[1];
      expect(issuer, text).toBeDefined();
      expect(mcpUrl, text).toBeDefined();
      expect(text).toContain(`latchkey connect ${mcpUrl} --allow-insecure-loopback`);

      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { issuer?: string }).issuer).toBe(issuer);
      const unauthenticated = await fetch(mcpUrl ?? '', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(unauthenticated.status).toBe(401);
      await unauthenticated.body?.cancel();
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  }, 60_000);
});
