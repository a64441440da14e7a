import { describe, expect, it } from 'vitest';
import { COMMANDS, GROUPS } from '../../../electron/cli/commands/index.js';
import { createHarness } from './harness.js';

const ALL_HELP_PATHS: string[][] = [[], ...COMMANDS.map((c) => c.path), ...Object.keys(GROUPS).map((g) => [g])];

describe('latchkey --help', () => {
  for (const path of ALL_HELP_PATHS) {
    const name = ['latchkey', ...path].join(' ');
    it(`${name} --help prints a usage line, a description and an example, and exits 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const h = createHarness();
        expect(await h.run([...path, flag])).toBe(0);
        expect(h.stdout.text).toMatch(/^(latchkey .*\n\n)?Usage: latchkey/m);
        expect(h.stdout.text).toMatch(/Examples?:\n {2}(latchkey|printf|curl) /);
        expect(h.stderr.text).toBe('');
        expect(h.configs).toHaveLength(0); // no wallet opened for help
      }
      const viaHelp = createHarness();
      expect(await viaHelp.run(['help', ...path])).toBe(0);
      expect(viaHelp.stdout.text).toContain('Usage: latchkey');
    });
  }

  it('command help lists its own options and the global ones', async () => {
    const h = createHarness();
    expect(await h.run(['connect', '--help'])).toBe(0);
    for (const option of ['--scope S', '--timeout SECONDS', '--json', '--home DIR', '--vault MODE', '--allow-insecure-loopback', '--verbose']) {
      expect(h.stdout.text).toContain(option);
    }
  });

  it('--help wins over other mistakes on the line', async () => {
    const h = createHarness();
    expect(await h.run(['token', '--bogus', '--help'])).toBe(0);
    expect(h.stdout.text).toContain('Usage: latchkey token <mcp-url>');
  });

  it('--version and -V print the version', async () => {
    for (const flag of ['--version', '-V']) {
      const h = createHarness();
      expect(await h.run([flag])).toBe(0);
      expect(h.stdout.text).toBe('9.9.9-test\n');
    }
  });
});

describe('usage errors exit 2 with a clear message', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown verb', ['frobnicate'], /Unknown command "frobnicate"/],
    ['a typo, with a suggestion', ['conect', 'https://x.example'], /Did you mean "connect"\?/],
    ['an unknown sub-verb', ['client', 'delete', 'https://as.example'], /Unknown command "client delete"/],
    ['a group without sub-verb', ['client'], /needs a sub-command: add, list, remove/],
    ['an unknown flag', ['connections', '--bogus'], /Unknown option --bogus for "latchkey connections"/],
    ['a flag of another verb', ['token', 'https://x.example', '--timeout', '5'], /Unknown option --timeout/],
    ['an unknown short flag', ['connections', '-x'], /Unknown option -x/],
    ['a missing positional', ['connect'], /"latchkey connect" needs <mcp-url>/],
    ['an extra positional', ['disconnect', 'https://a.example', 'https://b.example'], /Unexpected argument "https:\/\/b.example"/],
    ['a missing option value', ['connect', 'https://x.example', '--timeout'], /--timeout needs a value/],
    ['an option eating the next flag', ['--home', '--verbose', 'connections'], /--home needs a value/],
    ['a value on a boolean flag', ['connections', '--json=yes'], /--json does not take a value/],
    ['a bad --timeout', ['connect', 'https://x.example', '--timeout', 'soon'], /--timeout "soon" is not a number/],
    ['a zero --timeout', ['connect', 'https://x.example', '--timeout', '0'], /--timeout "0"/],
    ['a bad --vault', ['--vault', 'paper', 'connections'], /--vault "paper" is not a vault mode/],
    ['client add without --client-id', ['client', 'add', 'https://as.example'], /needs --client-id/],
    ['a bad --auth-method', ['client', 'add', 'https://as.example', '--client-id', 'a', '--auth-method', 'tls_client_auth'], /not supported/],
    ['help for nothing', ['help', 'nope'], /No help for "nope"/],
  ];
  for (const [name, argv, message] of cases) {
    it(`refuses ${name}`, async () => {
      const h = createHarness();
      expect(await h.run(argv)).toBe(2);
      expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: /);
      expect(h.stderr.text).toMatch(message);
      expect(h.stderr.text).toMatch(/\nhint: /);
      expect(h.stdout.text).toBe('');
      expect(h.configs).toHaveLength(0);
    });
  }

  it('prints usage errors as JSON with --json', async () => {
    const h = createHarness();
    expect(await h.run(['connections', '--json', '--bogus'])).toBe(2);
    expect(JSON.parse(h.stdout.text)).toEqual({
      error: { code: 'input.invalid', message: expect.stringContaining('--bogus') as unknown, hint: expect.any(String) as unknown },
    });
    expect(h.stderr.text).toBe('');
  });

  it('accepts global flags before or after the verb', async () => {
    for (const argv of [
      ['--home', '/data/a', 'connections'],
      ['connections', '--home', '/data/a'],
      ['connections', '--home=/data/a'],
    ]) {
      const h = createHarness();
      await h.run(argv);
      expect(h.configs[0]?.home).toBe('/data/a');
    }
  });
});
