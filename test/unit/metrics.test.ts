import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MAPPED_AADSTS_CODES } from '../../src/auth/entra-errors.js';
import { createLogger } from '../../src/logger.js';
import { requestContext } from '../../src/perf/request-context.js';
import { aadstsLabel, createMetrics } from '../../src/observability/metrics.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

describe('metrics labels', () => {
  it('issue 14 item 8: labels a request by its route template also when Express\'s final handler answered it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = express();
    app.use(requestContext(quiet, metrics.recordRequest));
    const router = express.Router();
    router.get('/auth/callback', () => {
      throw Object.assign(new Error('refused'), { status: 400, expose: true });
    });
    app.use(router);
    // No error handler of ours: the router hands the error to Express's final handler, restoring req.baseUrl.
    expect((await request(app).get('/auth/callback?state=x')).status).toBe(400);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/auth/callback",status="400"} 1');
    expect(text).not.toContain('undefined');
  });

  it('issue 14 item 8: an AADSTS code labels itself only when the table knows it', () => {
    for (const code of MAPPED_AADSTS_CODES) expect(aadstsLabel(code)).toBe(code);
    for (const code of ['1', '12345', '99999999', '0050105', 'constructor', '__proto__']) expect(aadstsLabel(code)).toBe('other');
    expect(aadstsLabel(undefined)).toBe('');
    expect(aadstsLabel('')).toBe('');
  });
});
