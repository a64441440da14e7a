/**
 * The device authorization grant (RFC 8628) in the test world: oidc-provider's deviceFlow with
 * plain pages that carry `data-world-page` (device-input, device-confirm, device-success), and a
 * Chromium driver that does what a person on another device does: open the verification URI,
 * type the user code, confirm, then sign in and consent on the usual pages.
 */
import type { Configuration } from 'oidc-provider';
import type { Page } from 'playwright-core';
import { escapeHtml } from './http.js';
import type { ChromiumHost } from './chromium.js';
import { DEFAULT_PASSWORD } from './authorization-server.js';

type DeviceFlowFeature = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

function page(kind: string, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body data-world-page="${kind}">
${body}
</body>
</html>`;
}

/** oidc-provider's `features.deviceFlow` for the world (codes like ABCD-EFGH). */
export function deviceFlowFeature(): DeviceFlowFeature {
  return {
    enabled: true,
    charset: 'base-20',
    mask: '****-****',
    userCodeInputSource: (ctx, form, _out, err) => {
      const message = err === undefined ? 'Enter the code shown on your device.' : 'That code was not accepted. Try again.';
      ctx.body = page('device-input', 'Enter code', `<h1>Enter code</h1><p>${message}</p>${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
    },
    userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
      const name = escapeHtml(client.clientName ?? client.clientId);
      ctx.body = page(
        'device-confirm',
        'Confirm device',
        `<h1>Confirm device</h1><p><strong>${name}</strong> shows the code <code>${escapeHtml(userCode)}</code>.</p>${form}` +
          '<button type="submit" form="op.deviceConfirmForm" name="decision" value="continue">Continue</button>',
      );
    },
    successSource: (ctx) => {
      ctx.body = page('device-success', 'Signed in', '<h1>Signed in</h1><p>You can close this page.</p>');
    },
  };
}

export interface DeviceSignIn {
  verificationUri: string;
  userCode: string;
  username?: string;
  password?: string;
  consent?: 'approve' | 'deny';
}

/** The pages passed through, in order (device-input, device-confirm, login, consent, device-success…). */
export async function completeDeviceSignIn(chromium: ChromiumHost, input: DeviceSignIn, timeoutMs = 20_000): Promise<string[]> {
  const context = await chromium.newContext();
  try {
    const tab = await context.newPage();
    tab.setDefaultTimeout(timeoutMs);
    await tab.goto(input.verificationUri);
    return await walk(tab, input);
  } finally {
    await context.close().catch(() => undefined);
  }
}

async function walk(tab: Page, input: DeviceSignIn): Promise<string[]> {
  const steps: string[] = [];
  for (let i = 0; i < 10; i += 1) {
    const kind = (await tab.getAttribute('body', 'data-world-page')) ?? 'other';
    steps.push(kind);
    if (kind === 'device-success' || kind === 'error' || kind === 'other') return steps;
    const next = tab.waitForEvent('load');
    if (kind === 'device-input') {
      await tab.fill('input[name="user_code"]', input.userCode);
      await tab.click('button[form="op.deviceInputForm"]');
    } else if (kind === 'device-confirm') {
      await tab.click('button[form="op.deviceConfirmForm"]');
    } else if (kind === 'login') {
      await tab.fill('input[name="username"]', input.username ?? 'alice');
      await tab.fill('input[name="password"]', input.password ?? DEFAULT_PASSWORD);
      await tab.click('button[type="submit"]');
    } else if (kind === 'consent') {
      await tab.click(`button[name="decision"][value="${input.consent ?? 'approve'}"]`);
    }
    await next;
  }
  return steps;
}
