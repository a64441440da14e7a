/**
 * Static checks of the shell's lifecycle (test/desktop runs it in a real Electron): one instance, the wallet
 * host the app started stopped on quit (which removes the bridge socket and discovery file), notifications that
 * only report a button to the wallet (T19), the opener behind validateOpenUrl (T04/T22).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { calls, listenersFor, readSources, root, walk } from './source-ast.js';

const main = readSources('electron/main');
const file = (name: string) => main.find((s) => s.path === `electron/main/${name}`)!;

describe('shell lifecycle', () => {
  const entry = file('main.ts');

  it('takes the single-instance lock before anything else, and a second start shows the first window', () => {
    const lock = calls(entry, 'requestSingleInstanceLock');
    expect(lock).toHaveLength(1);
    const branch = lock[0]!.parent.parent as ts.IfStatement;
    expect(ts.isIfStatement(branch)).toBe(true);
    expect(branch.thenStatement.getText()).toMatch(/app\.quit\(\)/);
    expect(branch.thenStatement.getText()).not.toMatch(/start\(/);
    expect(listenersFor(entry, 'second-instance').map((c) => c.arguments[1]!.getText())).toEqual(['() => openWindow()']);
  });

  it('quitting stops the wallet host first when the app started it (bridge socket and discovery file removed)', () => {
    const beforeQuit = listenersFor(entry, 'before-quit');
    expect(beforeQuit).toHaveLength(1);
    const handler = beforeQuit[0]!.arguments[1]!.getText();
    expect(handler).toMatch(/event\.preventDefault\(\)/);
    expect(handler).toMatch(/\(host\?\.stop\(\) \?\? Promise\.resolve\(\)\)\.then\(\s*\(\) => app\.quit\(\)/);
    // A host found running is never stopped: its stop() does nothing.
    expect(file('host-process.ts').text).toMatch(/if \(running !== undefined\) return \{ endpoint: running, startedHere: false, stop: async \(\) => \{\} \};/);
  });

  it('the app scheme is registered before ready and the renderer served after', () => {
    const text = entry.text;
    expect(text.indexOf('registerAppScheme();')).toBeGreaterThan(-1);
    expect(text.indexOf('await app.whenReady();')).toBeLessThan(text.indexOf('serveRenderer(paths.renderer)'));
  });

  it('T19: a notification decides nothing itself: its buttons only report the action, bound by core to the approval id it was raised for', () => {
    const notifier = file('notifier.ts');
    const identifiers = [...walk(notifier.tree)].filter(ts.isIdentifier).map((n) => n.text);
    expect(identifiers.filter((name) => /wallet|decide/i.test(name))).toEqual([]);
    const onAction = listenersFor(notifier, 'action').map((c) => c.arguments[1]!.getText());
    expect(onAction).toHaveLength(1);
    expect(onAction[0]).toMatch(/const chosen = notice\.actions\[details\.actionIndex\];\s*if \(chosen !== undefined\) onAction\(chosen\.action\);/);
    const notices = readFileSync(join(root, 'electron/wallet/approvals/approval-notices.ts'), 'utf8');
    expect(notices).toContain('notifier.show(noticeFor(approval), (action) => act(approval.id, action))');
  });
});
