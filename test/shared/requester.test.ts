import { describe, expect, it } from 'vitest';
import { describeRequester, UNKNOWN_REQUESTER } from '../../shared/requester.js';

describe('describeRequester (T32)', () => {
  it('names pid, program and working directory', () => {
    expect(describeRequester({ pid: 1234, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project' })).toBe('pid 1234 · /usr/bin/node · cwd /home/x/project');
  });

  it('says what it does not know', () => {
    expect(describeRequester(undefined)).toBe(UNKNOWN_REQUESTER);
    expect(describeRequester(undefined)).toBe('requester unknown');
    expect(describeRequester({ pid: 7 })).toBe('pid 7 · program unknown');
  });

  it('paths from the requesting process stay inert: controls, bidi and line separators replaced, long ones cut in the middle', () => {
    const shown = describeRequester({ pid: 1, exe: '/tmp/\u202Etxt.exe', cwd: `/home/x\n\u2028${'a'.repeat(400)}/end` });
    expect(shown).not.toMatch(/[\u0000-\u001f\u202E\u2028]/u);
    expect(shown).toContain('/tmp/\ufffdtxt.exe');
    expect(shown).toContain('…');
    expect(shown.endsWith('a/end')).toBe(true);
    expect(shown.length).toBeLessThan(400);
  });
});
