/**
 * The guarded fetch built on its first request (lazy-safe-fetch.ts): the same fetch, with the same
 * checks, once it is asked; closing one that never went to the network costs nothing; and one
 * asked after close answers as a closed pool does, without leaving a pool open.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLazySafeFetch } from '../../../../electron/base/net/lazy-safe-fetch.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { rejection } from '../../../support/rejection.js';

let fx: HttpFixture;

beforeEach(async () => {
  fx = await startHttpFixture();
  fx.route('/ok', (_req, res) => sendJson(res, 200, { ok: true }));
});

afterEach(async () => {
  await fx.close();
});

describe('the guarded fetch, built on its first request', () => {
  it('fetches through the guarded fetch once asked, concurrent first requests included', async () => {
    const lazy = createLazySafeFetch({ allowInsecureLoopback: true, env: {} });
    try {
      const answers = await Promise.all([lazy(`${fx.origin}/ok`), lazy(`${fx.origin}/ok`)]);
      expect(await Promise.all(answers.map((answer) => answer.json()))).toEqual([{ ok: true }, { ok: true }]);
      expect(fx.connections).toBeGreaterThan(0);
    } finally {
      await lazy.close();
    }
  });

  it('keeps the guarded fetch\'s checks: plain http to loopback is refused unless allowed, without connecting', async () => {
    const lazy = createLazySafeFetch({ allowInsecureLoopback: false, env: {} });
    try {
      const error = await rejection(lazy(`${fx.origin}/ok`));
      expect(error.code).toBe(ErrorCode.InsecureUrl);
      expect(fx.connections).toBe(0);
    } finally {
      await lazy.close();
    }
  });

  it('closes without ever building a pool, and a request after close does not reach the server', async () => {
    const lazy = createLazySafeFetch({ allowInsecureLoopback: true, env: {} });
    await lazy.close();
    await expect(lazy(`${fx.origin}/ok`)).rejects.toThrow();
    expect(fx.requests).toHaveLength(0);
  });
});
