import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import type { Emulator } from '../../src/dev/emulator.js';
import { freePort, replicaEnv, startEmulatorFor, startReplica, type Replica } from '../support/ops.js';

// Single replicas with the memory store, composed by start() as in production.
let emulator: Emulator;
const started: Replica[] = [];

beforeAll(async () => {
  emulator = await startEmulatorFor([]);
});
afterAll(async () => {
  await Promise.all(started.map((r) => r.close()));
  await emulator?.close();
});

async function replica(env: Record<string, string> = {}, options: Parameters<typeof startReplica>[1] = {}): Promise<Replica> {
  const port = await freePort();
  const r = await startReplica(replicaEnv(emulator, env['BASE_URL'] ?? `http://127.0.0.1:${port}`, env), { port, ...options });
  started.push(r);
  return r;
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => wanted.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('client address behind a proxy', () => {
  it('uses X-Forwarded-For for the client address only when TRUST_PROXY trusts a proxy', async () => {
    const direct = await replica({ TRUST_PROXY: '0', RATE_LIMIT_AUTH_MAX: '2' });
    const statuses = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      statuses.push((await fetch(`${direct.url}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': ip } })).status);
    }
    // TRUST_PROXY=0: forged addresses do not give a client fresh limits; the socket address counts.
    expect(statuses).toEqual([302, 302, 429]);

    const proxied = await replica({ TRUST_PROXY: '1', RATE_LIMIT_AUTH_MAX: '2' });
    const perClient = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.1', '198.51.100.1']) {
      perClient.push((await fetch(`${proxied.url}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': ip } })).status);
    }
    expect(perClient).toEqual([302, 302, 302, 302, 429]);
  });
});

describe('rate limit on sign-in', () => {
  it('answers 429 with Retry-After, as a page or JSON, on /auth/login and /auth/callback', async () => {
    const app = await replica({ RATE_LIMIT_AUTH_MAX: '2', RATE_LIMIT_WINDOW_SECONDS: '30' });
    expect((await fetch(`${app.url}/auth/login`, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${app.url}/auth/callback?state=x`, { redirect: 'manual' })).status).toBe(400);
    const page = await fetch(`${app.url}/auth/login`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(429);
    const retryAfter = Number(page.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await page.text()).toContain('Too many sign-in attempts');
    const api = await fetch(`${app.url}/auth/callback?state=x`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(429);
    expect(await api.json()).toMatchObject({ error: 'rate_limited' });
    // Other routes are not limited.
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(sample(metrics, 'rate_limited_total', { limit: 'auth' })).toBe(2);
  });
});

describe('metrics', () => {
  it('counts requests by route, sign-ins by outcome and AADSTS code, discovery, JWKS and active sessions', async () => {
    const port = await freePort();
    const own = await startEmulatorFor([`http://127.0.0.1:${port}`]);
    const app = await startReplica(replicaEnv(own, `http://127.0.0.1:${port}`), { port });
    started.push({ ...app, close: () => app.close().then(() => own.close()) });
    await new Browser().signIn(`${app.url}/auth/login`);
    const refused = await new Browser().signIn(`${app.url}/auth/login`, 'U.Unassigned');
    expect(refused.res.status).toBe(403);
    await fetch(`${app.url}/no/such/page`);

    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'http_requests_total', { route: '/auth/callback', status: '302' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain('/no/such/page');
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/auth/login' })).toBe(2);
    expect(sample(text, 'signins_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'signins_total', { outcome: 'failure', reason: 'entra_error', aadsts: '50105' })).toBe(1);
    expect(sample(text, 'oidc_discovery_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'oidc_jwks_fetches_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sessions_active')).toBe(1);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('serves /metrics only on METRICS_PORT when it is set', async () => {
    const metricsPort = await freePort();
    const app = await replica({ METRICS_PORT: String(metricsPort) }, { metricsPort });
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_requests_total');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
  });
});

describe('request bounds and timeouts', () => {
  it('refuses oversized headers (431), URLs (414) and form bodies (413) without a 500', async () => {
    const app = await replica();
    const big = await fetch(`${app.url}/`, { headers: { 'x-filler': 'a'.repeat(20 * 1024) } });
    expect(big.status).toBe(431);
    const longUrl = await fetch(`${app.url}/auth/login?returnTo=/${'a'.repeat(9 * 1024)}`, { redirect: 'manual' });
    expect(longUrl.status).toBe(414);
    expect(await longUrl.text()).toContain('too long');
    const body = await fetch(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `_csrf=${'a'.repeat(10 * 1024)}`,
    });
    expect(body.status).toBe(413);
    expect(await body.json()).toMatchObject({ error: 'payload_too_large', message: 'What you sent is too large.' });
  });

  it('says what each size refusal means on its page, in the reader\'s language: too large (413), too long (414), never "could not be understood"', async () => {
    const app = await replica();
    const post = (lang: string) =>
      fetch(`${app.url}/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'accept-language': lang },
        body: `_csrf=${'a'.repeat(10 * 1024)}`,
      });
    const tooLarge = await post('en');
    expect(tooLarge.status).toBe(413);
    const page = await tooLarge.text();
    expect(page).toContain('<h1 id="page-title">What you sent is too large.</h1>');
    expect(page).toContain('Go back and send it again with less data.');
    expect(page).not.toContain('could not be understood');
    expect(await (await post('ja')).text()).toContain('<h1 id="page-title">送信されたデータが大きすぎます。</h1>');

    const longUrl = await fetch(`${app.url}/auth/login?returnTo=/${'a'.repeat(9 * 1024)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(longUrl.status).toBe(414);
    const longPage = await longUrl.text();
    expect(longPage).toContain('<h1 id="page-title">This address is too long.</h1>');
    expect(longPage).toContain('Open the start page and continue from there.');

    // Node answers an oversized header block before Express: the answer still says what to do, in every
    // language (the Accept-Language it carried was never read).
    const cookies = await fetch(`${app.url}/mha/`, { redirect: 'manual', headers: { cookie: `big=${'a'.repeat(20 * 1024)}`, accept: 'text/html' } });
    expect(cookies.status).toBe(431);
    expect(cookies.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const cookieText = await cookies.text();
    expect(cookieText).toContain("Your browser sent too much data with this request (usually too many or too large cookies).\nClear this site's cookies in your browser, then try again.");
    expect(cookieText).toContain('ブラウザーでこのサイトの Cookie を削除してから、もう一度お試しください。');
  });

  it('answers any other malformed request as Node does: 400, connection closed', async () => {
    const app = await replica();
    const { port } = new URL(app.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('listens with the documented server timeouts: headers 20 s, whole request 30 s, keep-alive 65 s (docs/production.md "Abuse limits")', async () => {
    const { server } = (await replica()).running;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([20_000, 30_000, 65_000]);
  });

  // Each limit below is set small and alone: the other two are far away, so only the limit under test can
  // end the connection. Node's defaults (headers 60 s, request 300 s, keep-alive 5 s) would each fail the test.
  // Node checks the headers and request timeouts every connectionsCheckingInterval (start.ts: at most the
  // headers timeout), so a limit acts between its value and its value plus one interval.
  const FAR_MS = 30_000;

  it('cuts off a slowloris client (headers trickling in) after the headers timeout, however active it is', async () => {
    const headersTimeoutMs = 400;
    const app = await replica({}, { http: { headersTimeoutMs, requestTimeoutMs: FAR_MS, keepAliveTimeoutMs: FAR_MS } });
    const result = await rawConnection(app, (socket) => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // One header line every 50 ms, never the blank line: the socket is never idle.
      let n = 0;
      const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${n++}: a\r\n`), 50);
      socket.on('close', () => clearInterval(drip));
    }, 4 * headersTimeoutMs);
    expect(result.data).toMatch(/^HTTP\/1\.1 408/);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
    expect(result.closedAfterMs).toBeLessThan(3 * headersTimeoutMs);
  });

  it('cuts off a client whose body trickles in after the request timeout', async () => {
    const requestTimeoutMs = 600;
    const headersTimeoutMs = 300;
    const app = await replica({}, { http: { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs: FAR_MS } });
    const result = await rawConnection(app, (socket) => {
      // Complete headers at once (the headers timeout is satisfied); the form body, one byte per 50 ms.
      socket.write('POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n');
      const drip = setInterval(() => socket.writable && socket.write('a'), 50);
      socket.on('close', () => clearInterval(drip));
    }, 4 * requestTimeoutMs);
    expect(result.data).toMatch(/^HTTP\/1\.1 408/);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    expect(result.closedAfterMs).toBeLessThan(requestTimeoutMs + 2 * headersTimeoutMs + 500);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout, not before', async () => {
    const keepAliveTimeoutMs = 1_000;
    // Node tells the client `Keep-Alive: timeout=<s>` and itself waits up to one second longer, so the
    // client (or proxy) is the one that closes first.
    const nodeGraceMs = 1_000;
    const app = await replica({}, { http: { headersTimeoutMs: 5_000, requestTimeoutMs: FAR_MS, keepAliveTimeoutMs } });
    let answeredAt = 0;
    const result = await rawConnection(app, (socket) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      socket.once('data', () => (answeredAt = Date.now()));
    }, 5 * keepAliveTimeoutMs);
    expect(result.data).toMatch(/^HTTP\/1\.1 200/);
    expect(result.data).toMatch(new RegExp(`keep-alive: timeout=${keepAliveTimeoutMs / 1000}\\r\\n`, 'i'));
    const idleMs = result.closedAt - answeredAt;
    expect(idleMs).toBeGreaterThanOrEqual(keepAliveTimeoutMs - 50);
    expect(idleMs).toBeLessThan(keepAliveTimeoutMs + nodeGraceMs + 1_000);
  });
});

/**
 * A raw TCP client: `drive` writes what it wants; resolves with what the server sent and when the server
 * closed the connection. Fails (rather than waiting on vitest) when the server keeps it open past `giveUpMs`.
 */
function rawConnection(app: Replica, drive: (socket: Socket) => void, giveUpMs: number): Promise<{ data: string; closedAfterMs: number; closedAt: number }> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1', () => drive(socket));
    let data = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms; got: ${JSON.stringify(data.slice(0, 200))}`));
    }, giveUpMs);
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ data, closedAfterMs: Date.now() - started, closedAt: Date.now() });
    });
    socket.on('error', () => {});
  });
}
