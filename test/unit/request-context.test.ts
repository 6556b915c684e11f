import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { requestContext } from '../../src/perf/request-context.js';

function appWithLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = express();
  app.use(requestContext(createLogger('info', sink)));
  app.get('/secret-stuff', (req, res) => {
    req.log.info({ headers: { cookie: 'mha.sid=s%3Aabc', authorization: 'Bearer t' }, tokens: { id_token: 'eyJ', code: 'c0de' } }, 'handler line');
    res.send('ok');
  });
  app.get('/quiet', (_req, res) => res.send('ok'));
  return { app, lines };
}

describe('request context', () => {
  it('writes one access line per request with the request id, path only', async () => {
    const { app, lines } = appWithLogs();
    const res = await request(app).get('/quiet?code=should-not-appear').set('X-Request-Id', 'proxy-id-1');
    expect(res.headers['x-request-id']).toBe('proxy-id-1');
    const access = lines.filter((l) => l['msg'] === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ reqId: 'proxy-id-1', method: 'GET', path: '/quiet', status: 200, service: 'ilogon-mha-signin' });
    expect(JSON.stringify(lines)).not.toContain('should-not-appear');
  });

  it('replaces a malformed incoming request id with a fresh one', async () => {
    const { app, lines } = appWithLogs();
    const res = await request(app).get('/quiet').set('X-Request-Id', 'bad id with spaces <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.find((l) => l['msg'] === 'request')?.['reqId']).toBe(res.headers['x-request-id']);
  });

  // The access line skips redaction for speed; handlers' req.log must not.
  it('still redacts cookies, authorization and tokens in handler log lines, with the request id', async () => {
    const { app, lines } = appWithLogs();
    await request(app).get('/secret-stuff').set('X-Request-Id', 'rid-2');
    const line = lines.find((l) => l['msg'] === 'handler line');
    expect(line).toMatchObject({
      reqId: 'rid-2',
      headers: { cookie: '[redacted]', authorization: '[redacted]' },
      tokens: { id_token: '[redacted]', code: '[redacted]' },
    });
    expect(JSON.stringify(lines)).not.toMatch(/abc|Bearer t|eyJ|c0de/);
  });
});
