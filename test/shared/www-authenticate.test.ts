import { describe, expect, it } from 'vitest';
import { bearerChallenge, parseWwwAuthenticate } from '../../shared/www-authenticate.js';

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('parseWwwAuthenticate (P1)', () => {
  const matrix: Array<[string, string, unknown]> = [
    ['a bare scheme', 'Bearer', [{ scheme: 'bearer', params: {} }]],
    [
      'quoted and unquoted params, case-insensitive names',
      'Bearer Realm="example", ERROR=invalid_token, error_description="The token expired"',
      [{ scheme: 'bearer', params: { realm: 'example', error: 'invalid_token', error_description: 'The token expired' } }],
    ],
    [
      'several challenges in one header',
      'Basic realm="simple", Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="a b"',
      [
        { scheme: 'basic', params: { realm: 'simple' } },
        { scheme: 'bearer', params: { resource_metadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', scope: 'a b' } },
      ],
    ],
    [
      'commas and escapes inside quoted strings',
      'Bearer error_description="a, \\"quoted\\" \\\\ b, c=d", realm=x',
      [{ scheme: 'bearer', params: { error_description: 'a, "quoted" \\ b, c=d', realm: 'x' } }],
    ],
    ['token68', 'Negotiate YII=, Bearer', [{ scheme: 'negotiate', params: {}, token68: 'YII=' }, { scheme: 'bearer', params: {} }]],
    ['token68 with padding', 'Newauth abc/+.-_~==', [{ scheme: 'newauth', params: {}, token68: 'abc/+.-_~==' }]],
    ['whitespace around =', 'Bearer realm = "x" ,  scope= read', [{ scheme: 'bearer', params: { realm: 'x', scope: 'read' } }]],
    [
      'empty list elements',
      ', ,Bearer realm="x",, ,Basic',
      [
        { scheme: 'bearer', params: { realm: 'x' } },
        { scheme: 'basic', params: {} },
      ],
    ],
    ['first duplicate wins', 'Bearer scope="a", scope="b"', [{ scheme: 'bearer', params: { scope: 'a' } }]],
    ['mixed-case scheme', 'bEaReR realm=x', [{ scheme: 'bearer', params: { realm: 'x' } }]],
  ];

  it.each(matrix)('P1: parses %s', (_name, header, expected) => {
    expect(plain(parseWwwAuthenticate(header))).toEqual(expected);
  });

  it('P1: skips a broken parameter and keeps the rest', () => {
    const parsed = parseWwwAuthenticate('Bearer realm="x"junk, scope="read", Basic realm="y"');
    expect(plain(parsed)).toEqual([
      { scheme: 'bearer', params: { scope: 'read' } },
      { scheme: 'basic', params: { realm: 'y' } },
    ]);
    expect(parseWwwAuthenticate('Bearer a=b c, scope="read"')[0]?.params).toEqual({ scope: 'read' });
  });

  it('P1: never throws on hostile input', () => {
    const hostile = [
      '',
      '"',
      '=',
      ',,,,',
      'Bearer "',
      'Bearer realm="unterminated',
      'Bearer realm="\\',
      '\u0000\u0001Bearer\u00ff',
      '====Bearer',
      'Bearer a==b',
      '"Bearer" realm=x',
      `Bearer ${'a="x",'.repeat(5000)}`,
      `Bearer realm="${'\\'.repeat(10001)}`,
      'x'.repeat(100_000),
      'Bearer __proto__="polluted", constructor=x',
    ];
    for (const header of hostile) expect(() => parseWwwAuthenticate(header)).not.toThrow();
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    const proto = parseWwwAuthenticate('Bearer __proto__="polluted"')[0];
    expect(proto?.params['__proto__']).toBe('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('stays linear on a long hostile header', () => {
    const started = performance.now();
    parseWwwAuthenticate(`Bearer ${'a=",'.repeat(4000)}`);
    parseWwwAuthenticate(','.repeat(16_000));
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('bearerChallenge (P1)', () => {
  it('P1: picks the Bearer challenge among others and reads its OAuth parameters', () => {
    const header =
      'DPoP algs="ES256", Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", ' +
      'scope="files:read  files:write files:read", error="insufficient_scope", error_description="needs \\"write\\""';
    expect(bearerChallenge(header)).toEqual({
      resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource',
      scope: ['files:read', 'files:write'],
      error: 'insufficient_scope',
      errorDescription: 'needs "write"',
    });
  });

  it('P1: an unquoted resource_metadata is read too', () => {
    expect(bearerChallenge('Bearer resource_metadata=https://x.example/prm')?.resourceMetadata).toBe('https://x.example/prm');
  });

  it('P1: a Bearer challenge without parameters is an empty challenge', () => {
    expect(bearerChallenge('Bearer')).toEqual({});
    expect(bearerChallenge('Bearer scope=""')).toEqual({});
  });

  it('P1: no Bearer challenge → undefined', () => {
    expect(bearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(bearerChallenge('')).toBeUndefined();
    expect(bearerChallenge(null)).toBeUndefined();
    expect(bearerChallenge('garbage "')).toBeUndefined();
  });
});
