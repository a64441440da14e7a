/** The Add-a-server form's params: what each choice sends (as `latchkey connect`'s flags do), and what it refuses before asking the wallet. */
import { describe, expect, it } from 'vitest';
import { ConnectParams } from '../../../../shared/api.js';
import { NO_RESOURCE_RISK } from '../../../../shared/no-resource-warning.js';
import { NO_RESOURCE_WARNING } from '../../../../electron/cli/commands/connect.js';
import { EMPTY_CONNECT_FORM, METHODS, NO_RESOURCE_WINDOW_WARNING, connectParamsOf, formatTimeLeft, methodsFor } from '../../../../renderer/screens/connections/connect-form.js';

const URL_ = 'https://mcp.example.com/mcp';

describe('the Add-a-server form', () => {
  it('sends the URL with the browser and resource by default, and what the owner chose otherwise; the contract accepts each', () => {
    const plain = connectParamsOf({ ...EMPTY_CONNECT_FORM, url: `  ${URL_} ` });
    expect(plain).toEqual({ url: URL_, signIn: 'browser', sendResource: true });
    const chosen = connectParamsOf({ url: URL_, scopes: 'files:read, files:write', account: 'Work', method: 'device', noResource: true, callbackPort: '8765' });
    expect(chosen).toEqual({ url: URL_, scopes: ['files:read', 'files:write'], account: 'work', signIn: 'device', sendResource: false, callbackPort: 8765 });
    expect(connectParamsOf({ ...EMPTY_CONNECT_FORM, url: URL_, method: 'paste', callbackPort: '0' })).toMatchObject({ signIn: 'paste', callbackPort: 0 });
    for (const params of [plain, chosen]) expect(ConnectParams.safeParse(params).success).toBe(true);
  });

  it('offers the enterprise-managed choice only once an identity provider is set up; it sends enterprise, as connect --enterprise does, and no browser choice', () => {
    expect(methodsFor(false)).toEqual(METHODS);
    expect(methodsFor(true).map((method) => method.value)).toEqual(['browser', 'device', 'paste', 'enterprise']);
    const managed = connectParamsOf({ ...EMPTY_CONNECT_FORM, url: URL_, method: 'enterprise', callbackPort: '8765' });
    expect(managed).toEqual({ url: URL_, enterprise: true, sendResource: true });
    expect(ConnectParams.safeParse(managed).success).toBe(true);
  });

  it('refuses an empty URL, a bad account label and a port outside 1024–65535 (0 aside), saying why', () => {
    expect(connectParamsOf(EMPTY_CONNECT_FORM)).toMatch(/MCP server’s URL/);
    expect(connectParamsOf({ ...EMPTY_CONNECT_FORM, url: URL_, account: 'me@example.com' })).toMatch(/not an email address/);
    for (const port of ['80', '65536', '12ab', '-1']) expect(connectParamsOf({ ...EMPTY_CONNECT_FORM, url: URL_, callbackPort: port })).toMatch(/between 1024 and 65535/);
  });

  it('warns about leaving resource out with the same words as the CLI', () => {
    expect(NO_RESOURCE_WINDOW_WARNING.startsWith(NO_RESOURCE_RISK)).toBe(true);
    expect(NO_RESOURCE_WARNING).toContain(NO_RESOURCE_RISK);
  });

  it('shows a device code’s time left as minutes and seconds, never below zero', () => {
    expect(formatTimeLeft(1_000 + 125_000, 1_000)).toBe('2:05');
    expect(formatTimeLeft(1_000 + 400, 1_000)).toBe('0:01');
    expect(formatTimeLeft(0, 1_000)).toBe('0:00');
  });
});
