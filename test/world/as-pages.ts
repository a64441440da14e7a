/**
 * The test authorization server's HTML: a login form, a consent page and an error page. Plain
 * HTML with no external resources; each page's <body> carries `data-world-page` so the browser
 * driver (test/world/browser.ts) knows where it is, the way a person reads the page title.
 */
import { escapeHtml } from './http.js';

export type WorldPageKind = 'login' | 'consent' | 'error';

function renderPage(kind: WorldPageKind, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto}label{display:block;margin:.5rem 0}</style>
</head>
<body data-world-page="${kind}">
${body}
</body>
</html>`;
}

export interface LoginPageInput {
  uid: string;
  clientName: string;
  error?: string;
  username?: string;
}

export function renderLoginPage(input: LoginPageInput): string {
  const error = input.error ? `<p role="alert" class="error">${escapeHtml(input.error)}</p>` : '';
  return renderPage(
    'login',
    'Sign in - Latchkey test authorization server',
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientName)}</strong></p>
${error}
<form method="post" action="/interaction/${escapeHtml(input.uid)}/login" autocomplete="off">
  <label>Username <input name="username" required value="${escapeHtml(input.username ?? '')}"></label>
  <label>Password <input name="password" type="password" required></label>
  <button type="submit" name="action" value="login">Sign in</button>
</form>`,
  );
}

export interface ConsentPageInput {
  uid: string;
  clientName: string;
  accountId: string;
  scopes: readonly string[];
  resources: readonly string[];
}

export function renderConsentPage(input: ConsentPageInput): string {
  const scopes = input.scopes.map((scope) => `<li class="scope">${escapeHtml(scope)}</li>`).join('');
  const resources = input.resources.map((resource) => `<li class="resource">${escapeHtml(resource)}</li>`).join('');
  return renderPage(
    'consent',
    'Authorize access - Latchkey test authorization server',
    `<h1>Authorize ${escapeHtml(input.clientName)}</h1>
<p>Signed in as <strong id="account">${escapeHtml(input.accountId)}</strong>.</p>
<p>${escapeHtml(input.clientName)} asks for:</p>
<ul id="scopes">${scopes || '<li>(no scopes)</li>'}</ul>
<p>at:</p>
<ul id="resources">${resources || '<li>(no resource)</li>'}</ul>
<form method="post" action="/interaction/${escapeHtml(input.uid)}/consent">
  <button type="submit" name="decision" value="approve">Allow</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function renderErrorPage(fields: Record<string, string | undefined>): string {
  const rows = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: <span class="${escapeHtml(key)}">${escapeHtml(value)}</span></p>`)
    .join('\n');
  return renderPage('error', 'Error - Latchkey test authorization server', `<h1>Something went wrong</h1>\n${rows}`);
}
