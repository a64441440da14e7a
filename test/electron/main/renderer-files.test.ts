/** The app:// protocol maps requests to files inside the renderer folder only. */
import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from '../../../electron/main/renderer-files.js';

const root = resolve('/opt/latchkey/dist/renderer');

describe('renderer files on app://latchkey', () => {
  it('serves files inside the renderer folder', () => {
    expect(resolveRendererFile('app://latchkey/', root)).toBe(join(root, 'index.html'));
    expect(resolveRendererFile('app://latchkey/index.html', root)).toBe(join(root, 'index.html'));
    expect(resolveRendererFile('app://latchkey/assets/index-abc.js?v=1#x', root)).toBe(join(root, 'assets/index-abc.js'));
    expect(resolveRendererFile('app://latchkey/assets/logo%20dark.svg', root)).toBe(join(root, 'assets/logo dark.svg'));
  });

  it.each([
    'app://latchkey/../../../etc/passwd.txt',
    'app://latchkey/%2e%2e/%2e%2e/etc/passwd.txt',
    'app://latchkey//etc/passwd.txt',
    'app://latchkey/assets/../../index.html',
  ])('keeps %s inside the folder (the URL parser already drops the dot segments)', (url) => {
    const file = resolveRendererFile(url, root);
    expect(file === undefined || file.startsWith(root + sep)).toBe(true);
  });

  it.each([
    'app://latchkey/assets/..%2f..%2f..%2fetc%2fpasswd.txt',
    'app://latchkey/assets/%2e%2e%2fsecret.js',
    'app://latchkey/..%5c..%5cwindows%5cwin.ini.txt',
    'app://latchkey/a%00.js',
    'app://latchkey/%E0%A4%A.js',
    'app://evil/index.html',
    'app://user@latchkey/index.html',
    'https://latchkey/index.html',
    'file:///etc/passwd',
    'app://latchkey/vault.json.bak',
    'app://latchkey/no-extension',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveRendererFile(url, root)).toBeUndefined();
  });
});
