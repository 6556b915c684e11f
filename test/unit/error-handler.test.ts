import { Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOidcClient } from '../../src/auth/oidc-client.js';
import { createMemoryTransactionStore } from '../../src/auth/login-transactions.js';
import { createMemoryBackend } from '../../src/session/memory-backend.js';
import { createViews, type Views } from '../../src/http/views.js';

/** The whole app, with views that fail the way a template bug would: the error handler must still answer. */
function appWith(views: Views, nodeEnv: string) {
  const config = parseConfig({
    NODE_ENV: nodeEnv,
    ENTRA_TENANT_ID: '11111111-2222-3333-4444-555555555555',
    ENTRA_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
    ENTRA_CLIENT_SECRET: 'a-client-secret-value-of-forty-characters',
    ENTRA_AUTHORITY_HOST: 'http://127.0.0.1:9',
    BASE_URL: nodeEnv === 'production' ? 'https://mha.example.test' : 'http://127.0.0.1:3000',
    TRUST_PROXY: '1',
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789',
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const backend = createMemoryBackend({ defaultTtlMs: config.session.idleTimeoutMs });
  // Never started: nothing here talks to Entra.
  const oidc = createOidcClient(config, logger);
  const app = createApp({ config, logger, oidc, backend, transactions: createMemoryTransactionStore(), version: 'test', views });
  return { app, logs, close: () => backend.close() };
}

describe('error handler', () => {
  const real = createViews({ cache: false });
  const failing: Views = {
    assets: real.assets,
    render(name, data) {
      // The page views fail; anything else would be a different test.
      if (name === 'error' || name === 'forbidden') throw new TypeError(`Cannot read properties of undefined (reading 'map') at /work/src/${name}.ts:1:1`);
      return real.render(name, data);
    },
  };

  for (const nodeEnv of ['development', 'production', 'test']) {
    it(`issue 14 item 7: answers with a fixed fallback page, never a stack, when the error page itself fails (NODE_ENV=${nodeEnv})`, async () => {
      const { app, logs, close } = appWith(failing, nodeEnv);
      try {
        for (const [path, status] of [
          ['/no/such/page', 404],
          ['/auth/callback?state=forged', 400],
          ['/auth/login', 503],
        ] as const) {
          const res = await request(app).get(path).set('accept', 'text/html').set('x-forwarded-proto', 'https');
          expect(res.status, path).toBe(status);
          expect(res.headers['content-type']).toMatch(/^text\/html/);
          expect(res.headers['cache-control']).toBe('no-store');
          expect(res.text).toContain('This page could not be shown.');
          expect(res.text).not.toMatch(/TypeError|Cannot read|\/work\/|\.ts:\d|node_modules|\bat \S+ \(/);
        }
        // The failure is logged, with its stack, for the operator.
        const failed = logs.filter((l) => l['msg'] === 'error page failed; answered with the fallback page');
        expect(failed).toHaveLength(3);
        expect(JSON.stringify(failed[0]!['err'])).toContain('TypeError');
        // And the app still serves what does not need the failing views.
        expect((await request(app).get('/healthz')).status).toBe(200);
      } finally {
        await close();
      }
    });
  }
});
