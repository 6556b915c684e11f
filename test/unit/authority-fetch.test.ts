import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorityFetch } from '../../src/perf/authority-fetch.js';

// A real loopback server: each test picks its behaviour by path.
let server: Server;
let base: string;
const sockets = new Set<Socket>();
const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string; port?: number }[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/token': (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ access_token: 'at', token_type: 'Bearer' }));
  },
  '/error': (_req, res) => {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS70008: expired' }));
  },
  '/moved': (_req, res) => {
    res.statusCode = 302;
    res.setHeader('Location', '/token');
    res.end('go');
  },
  '/empty': (_req, res) => {
    res.statusCode = 204;
    res.end();
  },
  '/hang': () => {
    // Never answers: the caller's signal must end it.
  },
  '/huge': (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(`{"pad":"${'x'.repeat(4096)}"}`);
  },
  '/cut': (req, res) => {
    res.setHeader('Content-Length', '100');
    res.write('{"partial":');
    setTimeout(() => req.socket.destroy(), 10);
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body, port: req.socket.remotePort });
      (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (body: URLSearchParams | string, signal?: AbortSignal) => ({
  method: 'POST',
  headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
  body,
  redirect: 'manual' as const,
  ...(signal ? { signal } : {}),
});

describe('the HTTP client for the authority', () => {
  it('sends the method, headers and form body, and returns status, headers (every Set-Cookie) and JSON', async () => {
    const authorityFetch = createAuthorityFetch();
    seen.length = 0;
    const res = await authorityFetch(`${base}/token`, post(new URLSearchParams({ grant_type: 'authorization_code', code: 'c' })));
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ access_token: 'at', token_type: 'Bearer' });
    expect(seen[0]).toMatchObject({ method: 'POST', body: 'grant_type=authorization_code&code=c' });
    expect(seen[0]?.headers?.['content-length']).toBe(String('grant_type=authorization_code&code=c'.length));
    expect(seen[0]?.headers?.['accept']).toBe('application/json');
  });

  it('reuses one keep-alive connection for calls in sequence', async () => {
    const authorityFetch = createAuthorityFetch();
    seen.length = 0;
    for (let i = 0; i < 3; i++) await (await authorityFetch(`${base}/token`, post('x=1'))).arrayBuffer();
    expect(new Set(seen.map((s) => s.port)).size).toBe(1);
  });

  it('returns an OAuth error answer as it is (the caller reads the AADSTS body)', async () => {
    const res = await createAuthorityFetch()(`${base}/error`, post('x=1'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('never follows a redirect, and gives a 204 no body', async () => {
    const authorityFetch = createAuthorityFetch();
    const moved = await authorityFetch(`${base}/moved`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('/token');
    const empty = await authorityFetch(`${base}/empty`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('rejects with the signal’s TimeoutError when the authority does not answer, and drops the connection', async () => {
    const before = sockets.size;
    const started = Date.now();
    const err = await createAuthorityFetch()(`${base}/hang`, post('x=1', AbortSignal.timeout(150))).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets.size).toBeLessThanOrEqual(before);
  });

  it('rejects at once for an already aborted signal, without a request', async () => {
    seen.length = 0;
    const controller = new AbortController();
    controller.abort(new DOMException('stop', 'AbortError'));
    const err = await createAuthorityFetch()(`${base}/token`, post('x=1', controller.signal)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(seen).toHaveLength(0);
  });

  it('fails like fetch on a refused connection: TypeError "fetch failed" with the socket error as cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = (await createAuthorityFetch()(`http://127.0.0.1:${port}/token`, post('x=1')).catch((e: unknown) => e)) as TypeError;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('fetch failed');
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('refuses an answer larger than its limit instead of buffering it', async () => {
    const err = (await createAuthorityFetch({ maxResponseBytes: 1024 })(`${base}/huge`, post('x=1')).catch((e: unknown) => e)) as TypeError;
    expect(err).toBeInstanceOf(TypeError);
    expect(String((err.cause as Error).message)).toMatch(/exceeds 1024 bytes/);
    // The default limit (1 MB) takes the same answer.
    const res = await createAuthorityFetch()(`${base}/huge`, post('x=1'));
    expect(((await res.json()) as { pad: string }).pad).toHaveLength(4096);
  });

  it('fails when the connection drops before the answer is complete', async () => {
    const err = (await createAuthorityFetch()(`${base}/cut`, post('x=1')).catch((e: unknown) => e)) as TypeError;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('fetch failed');
  });

  it('refuses a scheme other than http and https', async () => {
    const err = await createAuthorityFetch()('file:///etc/passwd', { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
  });
});
