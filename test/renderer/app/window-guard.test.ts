// @vitest-environment node
/**
 * renderer/app/window-guard.ts in isolation (T20/E7): navigations the page starts to another
 * origin are cancelled, its own are not, clicks on links elsewhere do nothing, and the
 * Notification API refuses. What Chromium does
 * with it, through the headless host, is test/e2e/ui/window-guard.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { guardWindow } from '../../../renderer/app/window-guard.js';

type Listener = (event: { cancelable: boolean; destination: { url: string }; preventDefault(): void }) => void;
type ClickListener = (event: { target: unknown; preventDefault(): void }) => void;

function scope() {
  const listeners: Listener[] = [];
  const clicks: Array<{ type: string; listener: ClickListener; capture: boolean }> = [];
  const target = {
    location: { origin: 'http://127.0.0.1:4000' },
    navigation: { addEventListener: (_type: 'navigate', listener: Listener) => void listeners.push(listener) },
    document: { addEventListener: (type: 'click' | 'auxclick', listener: ClickListener, capture: boolean) => void clicks.push({ type, listener, capture }) },
  };
  /** Dispatches a click of `type` on an element inside a link to `href` (undefined: no link); true when prevented. */
  const click = (type: string, href: unknown): boolean => {
    let prevented = false;
    const element = { closest: (selector: string) => (selector === 'a[href], area[href]' && href !== undefined ? { href } : null) };
    for (const c of clicks.filter((c) => c.type === type)) c.listener({ target: element, preventDefault: () => void (prevented = true) });
    return prevented;
  };
  const navigate = (url: string, cancelable = true): boolean => {
    let prevented = false;
    for (const listener of listeners) listener({ cancelable, destination: { url }, preventDefault: () => void (prevented = true) });
    return prevented;
  };
  return { target, navigate, click, clicks };
}

describe('T20/E7: the window guard', () => {
  it('T20/E7: cancels navigations to other origins (other ports and hosts included) and keeps its own', () => {
    const s = scope();
    guardWindow(s.target);
    for (const url of ['https://evil.test/', 'http://127.0.0.1:4001/', 'http://localhost:4000/', 'javascript:alert(1)', 'data:text/html,x', 'not a url']) {
      expect(s.navigate(url), url).toBe(true);
    }
    for (const url of ['http://127.0.0.1:4000/', 'http://127.0.0.1:4000/agents?x=1#y']) expect(s.navigate(url), url).toBe(false);
    expect(s.navigate('https://evil.test/', false)).toBe(false); // back/forward through the browser: the owner's choice
  });

  it('T20/E7: a click (any button, any modifier) on a link to another origin does nothing; links of its own and other clicks go on', () => {
    const s = scope();
    guardWindow(s.target);
    expect(s.clicks.map((c) => [c.type, c.capture])).toEqual([['click', true], ['auxclick', true]]);
    for (const type of ['click', 'auxclick']) {
      expect(s.click(type, 'https://evil.test/'), type).toBe(true);
      expect(s.click(type, 'http://localhost:4000/'), type).toBe(true);
      expect(s.click(type, { baseVal: 'https://evil.test/' }), type).toBe(true); // an SVG link: refused
      expect(s.click(type, 'http://127.0.0.1:4000/agents'), type).toBe(false);
      expect(s.click(type, undefined), type).toBe(false);
    }
  });

  it('T20/E7: the Notification API refuses: permission denied, requests denied, the constructor throws; it cannot be put back', async () => {
    const s = scope();
    guardWindow(s.target);
    const Notification = (s.target as unknown as { Notification: { permission: string; requestPermission(): Promise<string>; new (title: string): unknown } }).Notification;
    expect(Notification.permission).toBe('denied');
    await expect(Notification.requestPermission()).resolves.toBe('denied');
    expect(() => new Notification('hi')).toThrow(/no notifications/);
    expect(() => Object.defineProperty(s.target, 'Notification', { value: 1 })).toThrow(TypeError);
  });
});
