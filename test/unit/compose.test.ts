import express, { Router, type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { compose, onlyUnder } from '../../src/perf/compose.js';
import { canonicalRequestTarget } from '../../src/http/request-target.js';

const toJson: ErrorRequestHandler = (err: Error, _req, res, _next) => {
  res.status(418).json({ error: err.message });
};

describe('compose', () => {
  it('runs handlers in order, and a throw, an error passed to next or a rejected promise reaches the error handler', async () => {
    const app = express();
    app.use(
      compose(
        (req, res, next) => {
          res.setHeader('X-Order', 'a');
          next();
        },
        (req, res, next) => {
          res.setHeader('X-Order', `${String(res.getHeader('X-Order'))}b`);
          if (req.path === '/throw') throw new Error('thrown');
          if (req.path === '/next') return next(new Error('passed'));
          if (req.path === '/reject') return Promise.reject(new Error('rejected'));
          next();
        },
      ),
    );
    app.get('/ok', (_req, res) => res.json({ ok: true }));
    app.use(toJson);
    const ok = await request(app).get('/ok');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-order']).toBe('ab');
    for (const [path, message] of [['/throw', 'thrown'], ['/next', 'passed'], ['/reject', 'rejected']] as const) {
      const res = await request(app).get(path);
      expect(res.status).toBe(418);
      expect(res.body).toEqual({ error: message });
    }
  });
});

describe('onlyUnder', () => {
  const app = express();
  const router = Router();
  router.get('/mha', (_req, res) => res.send('mha'));
  router.get('/mha/x', (_req, res) => res.send('mha/x'));
  // As in the app: the gate reads the canonical path the first middleware computed.
  app.use(canonicalRequestTarget());
  app.use(onlyUnder(['/mha'], router));
  app.use((_req, res) => res.status(404).send('passed by'));

  it.each([
    ['/mha', 'mha'],
    ['/MHA/x', 'mha/x'],
    ['/mha/x/', 'mha/x'],
    ['/other/../mha/x', 'mha/x'],
    ['/%6Dha/x', 'mha/x'],
  ])('enters the router for %s, as Express would match it', async (path, body) => {
    expect((await request(app).get(path)).text).toBe(body);
  });

  it.each(['/mhax', '/mh', '/other/mha', '/'])('passes %s by (not on a segment boundary of the prefix)', async (path) => {
    expect((await request(app).get(path)).text).toBe('passed by');
  });
});
