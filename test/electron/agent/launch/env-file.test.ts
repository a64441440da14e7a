import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { findPlaceholders, parseEnvFile, resolvePlaceholders } from '../../../../electron/agent/launch/index.js';
import { buildChildEnv } from '../../../../electron/agent/launch/child-env.js';

describe('env file', () => {
  it('reads KEY=VALUE with comments, export, quotes and escapes', () => {
    const entries = parseEnvFile(
      [
        '\uFEFF# comment',
        '',
        'A=plain value   # trailing comment',
        'export B=1',
        `C='single # kept \\n literal'`,
        'D="double \\"quoted\\"\\nline"   # comment',
        'E=',
        'F=a#b',
        '  G = spaced  ',
      ].join('\r\n'),
    );
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual({
      A: 'plain value',
      B: '1',
      C: 'single # kept \\n literal',
      D: 'double "quoted"\nline',
      E: '',
      F: 'a#b',
      G: 'spaced',
    });
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('names the line of every mistake, never its value', () => {
    const cases: Array<[string, RegExp]> = [
      ['just words', /Line 1 .* not KEY=VALUE/],
      ['=value', /Line 1 .* not KEY=VALUE/],
      ['1KEY=x', /Line 1 .* not a valid variable name/],
      ['A=1\nA=2', /Line 2 .* sets A a second time/],
      ['A="open', /Line 1 .* quote that is not closed/],
      ["A='x' y", /Line 1 .* text after the closing quote/],
      ['A=bell\u0007', /Line 1 .* control character/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseEnvFile(text)).toThrowError(message);
      try {
        parseEnvFile(text);
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.EnvFileInvalid });
      }
    }
  });
});

describe('placeholders', () => {
  it('finds each reference once, replaces every occurrence, and refuses malformed ones', async () => {
    const entries = parseEnvFile('A={{latchkey:https://mcp.example.com/mcp}}\nB="x {{ latchkey:files }} y {{latchkey:files}}"\nC=none');
    expect(findPlaceholders(entries)).toEqual(['https://mcp.example.com/mcp', 'files']);
    const asked: string[] = [];
    const values = await resolvePlaceholders(entries, (reference) => {
      asked.push(reference);
      return Promise.resolve(`T(${reference})`);
    });
    expect(values).toEqual({ A: 'T(https://mcp.example.com/mcp)', B: 'x T(files) y T(files)', C: 'none' });
    expect(asked).toEqual(['https://mcp.example.com/mcp', 'files']);
    for (const bad of ['A={{latchkey:}}', 'A={{latchkey:a b}}', 'A={{latchkey:x}', 'A={{ latchkey }}']) {
      expect(() => findPlaceholders(parseEnvFile(bad))).toThrowError(/malformed placeholder/);
    }
  });
});

describe('child environment', () => {
  it('drops owner secrets and stale bridge settings, adds the file, the session secret and the bridge location', () => {
    const env = buildChildEnv({
      parent: {
        PATH: '/bin',
        LATCHKEY_PASSPHRASE: 'p',
        LATCHKEY_AGENT_SECRET: 'a',
        LATCHKEY_OWNER_TOKEN: 'o',
        LATCHKEY_BRIDGE_SOCKET: '/old',
        LATCHKEY_HOME: '/h',
        X: 'parent',
        ANTHROPIC_API_KEY: 'the agent needs it',
      },
      fromFile: { X: 'file' },
      sessionSecret: 'lks_session_s',
      bridge: { socketPath: '/run/latchkey/bridge.sock', url: 'http://127.0.0.1:1234' },
    });
    expect(env).toEqual({
      PATH: '/bin',
      LATCHKEY_HOME: '/h',
      X: 'file',
      ANTHROPIC_API_KEY: 'the agent needs it',
      LATCHKEY_SESSION: 'lks_session_s',
      LATCHKEY_BRIDGE_SOCKET: '/run/latchkey/bridge.sock',
      LATCHKEY_BRIDGE_URL: 'http://127.0.0.1:1234',
    });
  });
});
