/**
 * The Add-a-server form's logic, apart from its markup: the sign-in methods it offers, the
 * connect params it sends (or what is wrong with it), and the device code's time left.
 */
import type { ConnectParams } from '../../../shared/api.js';
import { AccountLabel } from '../../../shared/connections.js';
import { NO_RESOURCE_RISK } from '../../../shared/no-resource-warning.js';
import { parseScopes } from '../../components/scopes.js';

export type SignInMethod = 'browser' | 'device' | 'paste' | 'enterprise';

export const METHODS: ReadonlyArray<{ value: SignInMethod; label: string }> = [
  { value: 'browser', label: 'This computer’s browser' },
  { value: 'device', label: 'A code on another device' },
  { value: 'paste', label: 'Paste the address from another browser' },
];

/** Offered when the organisation's identity provider is set up: no browser at the server, as `connect --enterprise`. */
export const ENTERPRISE_METHOD: { value: SignInMethod; label: string } = { value: 'enterprise', label: 'Through my organisation’s sign-in (enterprise-managed)' };

/** The methods the form offers: the enterprise-managed one only when an identity provider is set up. */
export function methodsFor(enterpriseConfigured: boolean): ReadonlyArray<{ value: SignInMethod; label: string }> {
  return enterpriseConfigured ? [...METHODS, ENTERPRISE_METHOD] : METHODS;
}

export const NO_RESOURCE_WINDOW_WARNING = `${NO_RESOURCE_RISK}. Connect again with this unticked to send it again.`;

export interface ConnectForm {
  url: string;
  scopes: string;
  account: string;
  method: SignInMethod;
  noResource: boolean;
  callbackPort: string;
}

/** The connect's params from the form, or what is wrong with it. */
export function connectParamsOf(values: ConnectForm): ConnectParams | string {
  const url = values.url.trim();
  if (url.length === 0 || url.length > 2048) return 'Enter the MCP server’s URL, e.g. https://mcp.example.com/mcp.';
  const scopes = parseScopes(values.scopes);
  if (typeof scopes === 'string') return scopes;
  const accountText = values.account.trim();
  const account = accountText === '' ? undefined : AccountLabel.safeParse(accountText);
  if (account !== undefined && !account.success) return 'An account label is up to 32 of a-z 0-9 . _ -, starting with a letter or digit (a name such as “work”, not an email address).';
  const portText = values.callbackPort.trim();
  const port = Number(portText);
  if (portText !== '' && (!/^\d{1,5}$/.test(portText) || (port !== 0 && port < 1024) || port > 65_535)) {
    return 'The callback port is a number between 1024 and 65535 (the one your authorization server has registered), or 0 to go back to a new port each time.';
  }
  return {
    url,
    ...(scopes.length === 0 ? {} : { scopes }),
    ...(account === undefined ? {} : { account: account.data }),
    // What the form shows is what this connect does (a method or resource choice kept from before is replaced).
    ...(values.method === 'enterprise' ? { enterprise: true } : { signIn: values.method }),
    sendResource: !values.noResource,
    ...(portText === '' || values.method === 'enterprise' ? {} : { callbackPort: port }),
  };
}

export const EMPTY_CONNECT_FORM: ConnectForm = { url: '', scopes: '', account: '', method: 'browser', noResource: false, callbackPort: '' };

/** Minutes and seconds until `expiresAt`, for the device code's countdown. */
export function formatTimeLeft(expiresAt: number, now: number): string {
  const seconds = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}
