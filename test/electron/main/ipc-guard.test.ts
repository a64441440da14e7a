/**
 * E3/E4 (threat T19): the IPC sender check (exact origin, top frame) and payload validation, and
 * a static check that every IPC handler in electron/main goes through them.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { checkSender, dispatchCall, guardedReply, parseConnect, type SenderFacts } from '../../../electron/main/ipc-guard.js';
import { calleeName, calls, readSources, walk } from './source-ast.js';
import ts from 'typescript';

const top = (url: string): SenderFacts => ({ url, isTop: true });
const approval: Approval = { id: 'apr_AAAAAAAAAAAAAAAAAAAA', kind: 'consent', agentName: 'claude', createdAt: 1, expiresAt: 2, status: 'approved', decidedAt: 2 };

/** A wallet whose listed methods are spies; any other method is a test error. */
function fakeWallet(methods: Partial<Record<keyof Wallet, (...args: never[]) => unknown>>): Wallet {
  return new Proxy(methods, {
    get: (target, name: string) => target[name as keyof Wallet] ?? (() => Promise.reject(new Error(`unexpected call to ${name}`))),
  }) as unknown as Wallet;
}

describe('E3: only the top frame of app://latchkey may call the wallet', () => {
  it('E3: the app page itself is accepted', () => {
    expect(() => checkSender(top('app://latchkey/index.html'))).not.toThrow();
    expect(() => checkSender(top('app://latchkey/'))).not.toThrow();
    expect(() => checkSender(top('app://latchkey/index.html#/approvals?x=1'))).not.toThrow();
  });

  it.each([
    ['a missing frame', undefined],
    ['file://', top('file:///opt/Latchkey/resources/app.asar/dist/renderer/index.html')],
    ['https://evil', top('https://evil.test/')],
    ['http://localhost', top('http://localhost:5173/')],
    ['another app host', top('app://evil/index.html')],
    ['a look-alike host', top('app://latchkey.evil.test/index.html')],
    ['userinfo', top('app://user@latchkey/index.html')],
    ['a port', top('app://latchkey:8080/index.html')],
    ['another scheme', top('apps://latchkey/index.html')],
    ['about:blank', top('about:blank')],
    ['data:', top('data:text/html,<script>alert(1)</script>')],
    ['devtools', top('devtools://devtools/bundled/inspector.html')],
    ['an empty URL', top('')],
    ['garbage', top('not a url')],
    ['a subframe of the app origin', { url: 'app://latchkey/index.html', isTop: false }],
  ])('E3: refuses %s', (_name, sender) => {
    expect(() => checkSender(sender)).toThrow(expect.objectContaining({ code: ErrorCode.ForbiddenOrigin }));
  });

  it('E3: a refused sender never reaches the wallet and gets only {error}', async () => {
    const work = vi.fn(async () => 'secret');
    const reply = await guardedReply({ url: 'https://evil.test/', isTop: true }, work);
    expect(work).not.toHaveBeenCalled();
    expect(reply).toStrictEqual({ error: { code: ErrorCode.ForbiddenOrigin, message: expect.stringContaining('own window') } });
  });
});

describe('E4: payloads are validated against the contract', () => {
  it.each([['nope'], ['constructor'], ['__proto__'], ['toString'], ['hasOwnProperty'], [42], [undefined], [null], [{ method: 'status' }]])(
    'E4: refuses the unknown method %j',
    async (method) => {
      await expect(dispatchCall(fakeWallet({}), method, {})).rejects.toThrow(expect.objectContaining({ code: ErrorCode.NotFound }));
    },
  );

  it.each([
    ['decideApproval', { id: 'ap_1', decision: 'maybe' }],
    ['decideApproval', { id: 'ap_1', decision: 'approve', extra: true }],
    ['decideApproval', { decision: 'approve' }],
    ['revokeGrant', { id: 7 }],
    ['listApprovals', { status: 'everything' }],
    ['queryAudit', { limit: 10_000_000 }],
    ['accessToken', { url: 'x'.repeat(5000) }],
    ['status', 'a string'],
    ['status', [1, 2]],
  ])('E4: refuses invalid params for %s (%j)', async (method, params) => {
    await expect(dispatchCall(fakeWallet({}), method, params)).rejects.toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
  });

  it('E4: a valid call is dispatched with the parsed params', async () => {
    const decideApproval = vi.fn(async () => approval);
    const wallet = fakeWallet({ decideApproval });
    const reply = await guardedReply(top('app://latchkey/index.html'), () =>
      dispatchCall(wallet, 'decideApproval', { id: 'apr_AAAAAAAAAAAAAAAAAAAA', decision: 'approve', remember: true }),
    );
    expect(reply).toStrictEqual({ result: approval });
    expect(decideApproval).toHaveBeenCalledWith({ id: 'apr_AAAAAAAAAAAAAAAAAAAA', decision: 'approve', remember: true }, undefined);
  });

  it('E4: missing params mean {} for methods without any', async () => {
    const listAgents = vi.fn(async () => []);
    await expect(dispatchCall(fakeWallet({ listAgents }), 'listAgents', undefined)).resolves.toEqual([]);
    expect(listAgents).toHaveBeenCalledOnce();
  });

  it('E4: a result is validated against the contract: fields it does not name never reach the window', async () => {
    const listAgents = vi.fn(async () => [{ id: 'agt_AAAAAAAAAAAAAAAAAAAA', name: 'claude', kind: 'interactive', createdAt: 1, secretHash: 'never-sent' }]);
    const agents = (await dispatchCall(fakeWallet({ listAgents }), 'listAgents', {})) as Array<Record<string, unknown>>;
    expect(agents[0]).not.toHaveProperty('secretHash');
    expect(agents[0]).toMatchObject({ id: 'agt_AAAAAAAAAAAAAAAAAAAA', name: 'claude' });
  });

  it('E4: wallet errors come back as {code, message, hint} only; other errors say nothing of their cause', async () => {
    const known = await guardedReply(top('app://latchkey/'), () =>
      Promise.reject(new LatchkeyError(ErrorCode.ApprovalNotFound, 'No such approval.', { hint: 'It may have expired.', details: { id: 'ap_9' } })),
    );
    expect(known).toStrictEqual({ error: { code: ErrorCode.ApprovalNotFound, message: 'No such approval.', hint: 'It may have expired.' } });
    const unknown = await guardedReply(top('app://latchkey/'), () => Promise.reject(new Error('ENOENT /home/me/.latchkey/vault.json token=abc')));
    expect(unknown).toStrictEqual({ error: { code: ErrorCode.Internal, message: expect.any(String) } });
    expect(JSON.stringify(unknown)).not.toMatch(/ENOENT|vault\.json|token=|at \w+ \(/);
  });

  it('E4: connect needs a short string id and valid connect params', () => {
    expect(parseConnect('connect-1', { url: 'https://mcp.example.com/mcp', scopes: ['read'] })).toStrictEqual({
      id: 'connect-1',
      params: { url: 'https://mcp.example.com/mcp', scopes: ['read'] },
    });
    for (const [id, params] of [
      [1, { url: 'https://mcp.example.com/mcp' }],
      ['x'.repeat(65), { url: 'https://mcp.example.com/mcp' }],
      ['c', { url: '' }],
      ['c', { url: 'https://mcp.example.com/mcp', timeoutMs: 10 }],
      ['c', { url: 'https://mcp.example.com/mcp', extra: 1 }],
      ['c', undefined],
    ] as const) {
      expect(() => parseConnect(id, params)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
    }
  });
});

describe('E3/E4: every IPC handler in electron/main goes through the guard', () => {
  const sources = readSources('electron/main');
  const ipcRegistrations = sources.flatMap((s) =>
    [...walk(s.tree)].filter(
      (node): node is ts.CallExpression =>
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.expression.getText() === 'ipcMain' &&
        ['handle', 'handleOnce', 'on', 'once', 'addListener', 'prependListener'].includes(node.expression.name.text),
    ),
  );

  it('E3: each registration replies through guardedReply with the sender frame facts', () => {
    expect(ipcRegistrations.length).toBeGreaterThanOrEqual(3);
    for (const call of ipcRegistrations) {
      expect(call.expression.getText(), call.getText()).toMatch(/^ipcMain\.handle$/); // invoke only: every call gets a reply
      const handler = call.arguments[1];
      expect(handler !== undefined && ts.isArrowFunction(handler), call.getText()).toBe(true);
      const body = (handler as ts.ArrowFunction).body;
      expect(ts.isCallExpression(body) && calleeName(body) === 'guardedReply', call.getText()).toBe(true);
      expect((body as ts.CallExpression).arguments[0]?.getText()).toBe('senderOf(event)');
    }
  });

  it('E3: senderOf reads senderFrame, refuses a missing frame and computes the top-frame fact', () => {
    const ipc = sources.find((s) => s.path === 'electron/main/ipc.ts')!;
    const fn = ipc.tree.statements.find((st) => ts.isFunctionDeclaration(st) && st.name?.text === 'senderOf')!.getText();
    expect(fn).toContain('event.senderFrame');
    expect(fn).toMatch(/frame === null[^\n]*return undefined/);
    expect(fn).toContain('isTop: frame.parent === null && frame.top === frame');
  });

  it('E4: wallet calls go through dispatchCall (the contract) and connect through parseConnect', () => {
    const ipc = sources.find((s) => s.path === 'electron/main/ipc.ts')!;
    expect(calls(ipc, 'dispatchCall')).toHaveLength(1);
    expect(calls(ipc, 'parseConnect')).toHaveLength(1);
    for (const s of sources) {
      if (s.path !== 'electron/main/ipc-guard.ts') expect(s.text, s.path).not.toContain('ownerDispatch');
      if (s.path !== 'electron/main/ipc.ts') expect(s.text, s.path).not.toMatch(/\bipcMain\b/);
    }
  });
});
