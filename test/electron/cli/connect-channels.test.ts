/**
 * `latchkey connect`'s sign-in channel flags as the command reads them, and what the owner sees:
 * the device code and paste instructions on stderr, the kept settings in `latchkey connections`.
 * The channels themselves run end to end in test/e2e/cli-sign-in-channels.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { NO_RESOURCE_WARNING, parseConnectArgs } from '../../../electron/cli/commands/connect.js';
import { formatConnections } from '../../../electron/cli/commands/connections.js';
import { createConnectReporter } from '../../../electron/cli/progress.js';
import type { OptionValues } from '../../../electron/cli/spec.js';
import { UsageError } from '../../../electron/cli/usage-error.js';
import type { ConnectionSummary } from '../../../shared/connections.js';
import { createHarness } from './harness.js';

const MCP = 'https://mcp.example.com/mcp';

function parse(values: OptionValues) {
  return parseConnectArgs({ positionals: [MCP], values, signal: new AbortController().signal });
}

describe('connect: sign-in channel flags', () => {
  it("none given: nothing is sent, so the connection's kept settings apply (a new one: the browser, resource sent, an ephemeral port)", () => {
    expect(parse({})).toMatchObject({ signIn: undefined, sendResource: undefined, callbackPort: undefined, reregister: false });
  });

  it('--device, --paste, --no-resource, --resource, --callback-port, --reregister', () => {
    expect(parse({ browser: true })).toMatchObject({ signIn: 'browser' });
    expect(parse({ device: true })).toMatchObject({ signIn: 'device' });
    expect(parse({ paste: true })).toMatchObject({ signIn: 'paste' });
    expect(parse({ 'no-resource': true })).toMatchObject({ sendResource: false });
    expect(parse({ resource: true })).toMatchObject({ sendResource: true });
    expect(parse({ 'callback-port': '8765' })).toMatchObject({ callbackPort: 8765 });
    expect(parse({ 'callback-port': '0' })).toMatchObject({ callbackPort: 0 });
    expect(parse({ reregister: true })).toMatchObject({ reregister: true });
  });

  it.each([
    [{ device: true, paste: true }, 'not --device and --paste'],
    [{ browser: true, device: true }, 'not --browser and --device'],
    [{ resource: true, 'no-resource': true }, '--resource or --no-resource'],
    [{ 'callback-port': '80' }, 'between 1024 and 65535'],
    [{ 'callback-port': '65536' }, 'between 1024 and 65535'],
    [{ 'callback-port': 'http' }, 'between 1024 and 65535'],
  ])('%o is a usage error', (values, message) => {
    expect(() => parse(values)).toThrowError(UsageError);
    expect(() => parse(values)).toThrowError(message);
  });

  it('the --no-resource warning says the spec requires resource, why, and that it is kept and shown', () => {
    expect(NO_RESOURCE_WARNING).toContain('The MCP specification requires it');
    expect(NO_RESOURCE_WARNING).toContain('latchkey connections');
    expect(NO_RESOURCE_WARNING).toContain('--resource turns it back on');
  });
});

describe('connect: what the owner sees for device and paste sign-ins', () => {
  it('device: the URI, the code on its own line, the complete URI, a deadline', () => {
    const h = createHarness();
    const reporter = createConnectReporter(h.io);
    reporter.handle({ step: 'discovered', resource: MCP, issuer: 'https://as.example.com' });
    reporter.handle({
      step: 'device',
      verificationUri: 'https://as.example.com/device',
      verificationUriComplete: 'https://as.example.com/device?user_code=WDJB-MJHT',
      userCode: 'WDJB-MJHT',
      expiresAt: 1_700_000_600_000,
      intervalSeconds: 5,
    });
    reporter.stop();
    expect(h.stderr.text).toContain('To sign in at https://as.example.com, open https://as.example.com/device on any device and enter the code:\n\n  WDJB-MJHT\n\n');
    expect(h.stderr.text).toContain('Or open this address, which carries the code: https://as.example.com/device?user_code=WDJB-MJHT');
    expect(h.stderr.text).toContain('the code expires in 10m');
  });

  it('device: control characters from the server are shown escaped, never sent to the terminal', () => {
    const h = createHarness();
    const reporter = createConnectReporter(h.io);
    reporter.handle({ step: 'device', verificationUri: 'https://as.example.com/device', userCode: 'AB\u001b[2JCD', expiresAt: 1_700_000_060_000, intervalSeconds: 5 });
    reporter.stop();
    expect(h.stderr.text).not.toContain('\u001b[2J');
    expect(h.stderr.text).toContain('AB\\x1b[2JCD');
  });

  it('paste: the URL, where the browser will end, and what to paste', () => {
    const h = createHarness();
    const reporter = createConnectReporter(h.io);
    reporter.handle({ step: 'paste', authorizationUrl: 'https://as.example.com/authorize?x=1', redirectUri: 'http://127.0.0.1:40123/callback', timeoutMs: 300_000 });
    expect(h.stderr.text).toContain('\n  https://as.example.com/authorize?x=1\n');
    expect(h.stderr.text).toContain('starting with http://127.0.0.1:40123/callback');
    expect(h.stderr.text).toContain('paste it here and press Enter');
  });

  it('browser: names --device and --paste for a browser on another machine', () => {
    const h = createHarness();
    const reporter = createConnectReporter(h.io);
    reporter.handle({ step: 'browser', authorizationUrl: 'https://as.example.com/authorize', timeoutMs: 300_000 });
    reporter.stop();
    expect(h.stderr.text).toContain('--device or --paste');
  });
});

describe('connections: the kept sign-in settings are shown', () => {
  const base: ConnectionSummary = {
    resource: MCP,
    issuer: 'https://as.example.com',
    clientId: 'c1',
    registration: 'dcr',
    scopes: ['mcp:read'],
    status: 'ok',
    hasRefreshToken: true,
    connectedAt: 0,
    updatedAt: 0,
  };

  it('resource not sent, a fixed port and a kept channel each get a line; defaults add none', () => {
    const lines = formatConnections([{ ...base, sendResource: false, callbackPort: 8765, signIn: 'device' }], 0);
    expect(lines).toContain('  sign-in: device (--device; --browser goes back)');
    expect(lines).toContain('  resource: not sent (--no-resource: its authorization server rejects it; the MCP spec requires it)');
    expect(lines).toContain('  callback: 127.0.0.1:8765 (fixed, --callback-port)');
    expect(formatConnections([base], 0).join('\n')).not.toMatch(/resource:|callback:|sign-in:/u);
  });
});
