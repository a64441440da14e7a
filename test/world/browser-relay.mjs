#!/usr/bin/env node
// A stand-in for a browser command: `node test/world/browser-relay.mjs <url>`.
// The CLI end-to-end test sets BROWSER to this script; the CLI's opener runs it with the URL as
// its one argument (no shell). It hands the URL to the test process's relay endpoint (env
// LATCHKEY_TEST_BROWSER_RELAY, a loopback URL), which drives real Chromium, and exits 0 once the
// test process has accepted it.
const [url, ...extra] = process.argv.slice(2);
const endpoint = process.env.LATCHKEY_TEST_BROWSER_RELAY;

function fail(message, code) {
  process.stderr.write(`browser-relay: ${message}\n`);
  process.exit(code);
}

if (url === undefined || extra.length > 0) fail('usage: browser-relay.mjs <url>', 2);
if (!endpoint) fail('LATCHKEY_TEST_BROWSER_RELAY is not set', 2);

let target;
try {
  target = new URL(endpoint);
} catch {
  fail('LATCHKEY_TEST_BROWSER_RELAY is not a URL', 2);
}
if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1') fail('the relay endpoint must be http://127.0.0.1', 2);

try {
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) fail(`the test process refused the URL: ${response.status} ${await response.text()}`, 1);
} catch (error) {
  fail(`could not reach the test process: ${error instanceof Error ? error.message : String(error)}`, 1);
}
process.exit(0);
