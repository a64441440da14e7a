/**
 * Builds the openid-client `Configuration` for one (AS, client) pair. Every request it makes goes
 * through our SSRF-guarded fetch; plain http is enabled only for a loopback issuer when the user
 * allowed insecure loopback (tests, local development).
 */
import * as client from 'openid-client';
import { isLoopbackHost, type UrlPolicy } from '../../../shared/url.js';
import type { Fetch } from '../../base/ports.js';
import type { ClientRecord } from './records.js';

export interface NetworkContext {
  fetch: Fetch;
  policy: UrlPolicy;
}

export type AuthorizationServer = client.ServerMetadata;

export function buildClientConfiguration(as: AuthorizationServer, record: ClientRecord, net: NetworkContext): client.Configuration {
  const config = new client.Configuration(
    as,
    record.clientId,
    { token_endpoint_auth_method: record.tokenEndpointAuthMethod },
    clientAuthentication(record),
  );
  config[client.customFetch] = (url, options) => net.fetch(url, options as RequestInit);
  config.timeout = 30;
  if (net.policy.allowInsecureLoopback && isLoopbackHost(new URL(as.issuer).hostname)) client.allowInsecureRequests(config);
  return config;
}

function clientAuthentication(record: ClientRecord): client.ClientAuth {
  switch (record.tokenEndpointAuthMethod) {
    case 'none':
      return client.None();
    case 'client_secret_post':
      return client.ClientSecretPost(record.clientSecret);
    case 'client_secret_basic':
      return clientSecretBasic(record.clientId, record.clientSecret ?? '');
  }
}

/**
 * HTTP Basic client authentication (RFC 6749 §2.3.1): id and secret each
 * application/x-www-form-urlencoded (Appendix B), joined by ":", base64. openid-client's helper
 * also escapes "-", "_", "." and "*", which the form encoding leaves alone and which
 * some servers then fail to match; URLSearchParams does exactly the form encoding.
 */
export function clientSecretBasic(clientId: string, clientSecret: string): client.ClientAuth {
  const credentials = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  const header = `Basic ${Buffer.from(credentials).toString('base64')}`;
  return (_as, _client, _body, headers) => {
    headers.set('authorization', header);
  };
}

function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
