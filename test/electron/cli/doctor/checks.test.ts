import { describe, expect, it } from 'vitest';
import { checkDisplay, checkNode, checkOpener } from '../../../../electron/cli/doctor/checks.js';

describe('doctor checks', () => {
  it('Node 22 is ok, Node 20.18+ warns (22 recommended), older fails', () => {
    expect(checkNode('22.12.0').status).toBe('ok');
    expect(checkNode('20.20.2')).toMatchObject({ status: 'warn', fix: expect.stringContaining('22') });
    expect(checkNode('18.19.0').status).toBe('fail');
  });

  it('a display is ok; none warns that npm start runs the headless host', () => {
    expect(checkDisplay({ DISPLAY: ':0' }, 'linux').status).toBe('ok');
    expect(checkDisplay({}, 'linux')).toMatchObject({ status: 'warn', detail: expect.stringContaining('headless host') });
  });

  it('BROWSER or xdg-open is ok; neither warns that links are printed', () => {
    expect(checkOpener({ env: { BROWSER: 'firefox' }, platform: 'linux', onPath: (name) => name === 'firefox' }).status).toBe('ok');
    expect(checkOpener({ env: {}, platform: 'linux', onPath: (name) => name === 'xdg-open' }).status).toBe('ok');
    expect(checkOpener({ env: {}, platform: 'linux', onPath: () => false })).toMatchObject({ status: 'warn', fix: expect.stringContaining('BROWSER') });
  });
});
