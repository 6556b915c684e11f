import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import WebSocket from 'ws';
import { DEFAULT_USERS, GROUP_USERS, type EmulatorUser } from '../../src/dev/emulator.js';
import { isIdentityHeader } from '../../src/gateway/identity-headers.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ITEM_5_HEADERS } from '../support/spoofed-headers.js';
import { rawExchange } from '../support/raw-http.js';
import { chunkOf, CHUNK, closedPort, startUpstream, type Upstream } from '../support/upstream.js';

const JWT_SECRET = 'gateway-test-identity-secret-0123456789abcdef';

let up: Upstream;
let h: Harness;
let browser: Browser;
let cookie: string;

beforeAll(async () => {
  up = await startUpstream();
  h = await startHarness({
    env: { UPSTREAM_URL: up.url, UPSTREAM_PATHS: '/reports', UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_JWT_KEY: JWT_SECRET },
  });
  browser = new Browser();
  const { res, url } = await browser.signIn(`${h.baseUrl}/mha/echo?from=signin`);
  // Sign-in lands on the page the upstream serves.
  expect(url).toBe(`${h.baseUrl}/mha/echo?from=signin`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { url: string }).url).toBe('/mha/echo?from=signin');
  cookie = `mha.sid=${browser.cookie(h.baseUrl, 'mha.sid')!}`;
});
afterAll(async () => {
  await h?.close();
  await up?.close();
});

const bSimon = () => h.emulator.users.find((u) => u.name === 'B.Simon')!;
const lastReceived = () => up.received[up.received.length - 1]!;

async function echo(path: string, headers: Record<string, string> = {}) {
  const res = await browser.request(`${h.baseUrl}${path}`, { headers: { accept: 'application/json', ...headers } });
  expect(res.status).toBe(200);
  return { res, body: (await res.json()) as { url: string; headers: Record<string, string> } };
}

/** One raw HTTP/1.1 request, so headers can repeat and differ only in case, as a hostile client would send. */
async function rawRequest(path: string, headerLines: string[]): Promise<string> {
  const { port } = new URL(h.baseUrl);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('gateway: the gate', () => {
  it('sends a signed-out visitor to sign-in and never reaches the upstream', async () => {
    const before = up.received.length;
    const res = await fetch(`${h.baseUrl}/mha/echo?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/echo?x=1')}`);
    const api = await fetch(`${h.baseUrl}/reports/data`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthenticated' });
    // A forged session cookie is no better.
    const forged = await fetch(`${h.baseUrl}/mha/echo`, { redirect: 'manual', headers: { cookie: 'mha.sid=s%3Aforged.signature' } });
    expect(forged.status).toBe(302);
    expect(up.received.length).toBe(before);
  });

  it('forwards UPSTREAM_PATHS prefixes too, case-insensitively, and only on segment boundaries', async () => {
    expect((await echo('/reports/2024?q=1')).body.url).toBe('/reports/2024?q=1');
    expect((await echo('/MHA/Profile')).body.url).toBe('/MHA/Profile');
    const outside = await browser.request(`${h.baseUrl}/reportsx`, { headers: { accept: 'application/json' } });
    expect(outside.status).toBe(404);
  });

  it('serves the upstream in place of the built-in pages, without our CSP on its content', async () => {
    const res = await browser.request(`${h.baseUrl}/mha/page`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Served by the iLOGON_MHA backend');
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The built-in profile page is not served in gateway mode: the upstream answers /mha/profile.
    const profile = await echo('/mha/profile');
    expect(profile.body.url).toBe('/mha/profile');
  });
});

describe('gateway: app roles, as for the built-in pages', () => {
  it('keeps /mha/admin for the admin role (403, upstream not reached)', async () => {
    const before = up.received.length;
    const res = await browser.request(`${h.baseUrl}/mha/admin/settings`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('MHA.Admin');
    expect(up.received.length).toBe(before);
  });

  it('applies MHA_REQUIRED_ROLE to every proxied page and websocket', async () => {
    const strict = await startHarness({ env: { UPSTREAM_URL: up.url, MHA_REQUIRED_ROLE: 'MHA.Admin' } });
    try {
      const before = up.received.length;
      const simon = new Browser();
      const { res } = await simon.signIn(`${strict.baseUrl}/mha/echo`);
      expect(res.status).toBe(403);
      const ws = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${strict.baseUrl.replace('http:', 'ws:')}/mha/socket`, {
          headers: { cookie: `mha.sid=${simon.cookie(strict.baseUrl, 'mha.sid')!}`, origin: strict.baseUrl },
        });
        socket.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
        socket.once('open', () => reject(new Error('websocket opened without the required role')));
        socket.once('error', reject);
      });
      expect(ws).toBe(403);
      expect(up.received.length).toBe(before);

      const admin = new Browser();
      const ok = await admin.signIn(`${strict.baseUrl}/mha/echo`, 'A.Admin');
      expect(ok.res.status).toBe(200);
      expect(up.received.length).toBe(before + 1);
    } finally {
      await strict.close();
    }
  });
});

describe('gateway: identity to the upstream', () => {
  it('sends App Service and oauth2-proxy identity headers and a verifiable X-MHA-Identity', async () => {
    const { res, body } = await echo('/mha/echo');
    const u = bSimon();
    const hd = body.headers;
    const principal = JSON.parse(Buffer.from(hd['x-ms-client-principal']!, 'base64').toString('utf8')) as {
      auth_typ: string;
      name_typ: string;
      role_typ: string;
      claims: Array<{ typ: string; val: string }>;
    };
    expect(principal.auth_typ).toBe('aad');
    expect(principal.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: u.oid });
    expect(principal.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: h.emulator.tenantId });
    expect(principal.claims).toContainEqual({ typ: principal.name_typ, val: 'B.Simon@contoso.com' });
    expect(hd['x-ms-client-principal-id']).toBe(u.oid);
    expect(hd['x-ms-client-principal-name']).toBe('B.Simon@contoso.com');
    expect(hd['x-ms-client-principal-idp']).toBe('aad');
    expect(hd['x-forwarded-user']).toBe(u.oid);
    expect(hd['x-forwarded-email']).toBe('B.Simon@contoso.com');
    expect(hd['x-forwarded-preferred-username']).toBe('B.Simon@contoso.com');

    const { payload, protectedHeader } = await jwtVerify(hd['x-mha-identity']!, new TextEncoder().encode(JWT_SECRET), {
      issuer: h.baseUrl,
      audience: up.url,
      algorithms: ['HS256'],
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: u.oid, oid: u.oid, tid: h.emulator.tenantId, preferred_username: 'B.Simon@contoso.com', roles: [] });
    expect(payload.exp! - payload.iat!).toBe(60);

    // Host and X-Forwarded-* come from BASE_URL; the request id follows the request.
    expect(hd['host']).toBe(new URL(h.baseUrl).host);
    expect(hd['x-forwarded-proto']).toBe('http');
    expect(hd['x-forwarded-for']).toBe('127.0.0.1');
    expect(hd['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  it('strips every identity header the client sent: any case, underscores, duplicates, Connection tricks', async () => {
    const raw = await rawRequest('/mha/echo', [
      `Cookie: ${cookie}; theme=dark`,
      'Accept: application/json',
      'X-MS-CLIENT-PRINCIPAL: eyJhdXRoX3R5cCI6ImFhZCJ9',
      'x-ms-client-principal-id: attacker-oid',
      'X-Ms-Client-Principal-Id: attacker-oid-2',
      'X_MS_CLIENT_PRINCIPAL_NAME: admin@contoso.com',
      'X-MS-CLIENT-PRINCIPAL-IDP: aad',
      'X-MS-TOKEN-AAD-ID-TOKEN: forged.token.value',
      'X-Forwarded-User: admin',
      'x-forwarded-user: admin2',
      'X-Forwarded-Email: admin@contoso.com',
      'X-Forwarded-Groups: admins',
      'X-MHA-Identity: forged.jwt.value',
      'X-Auth-Request-User: admin',
      'Remote-User: admin',
    ]);
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    const seen = lastReceived();
    const rawNames = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    // Exactly one of each of ours, none of theirs.
    for (const name of ['x-ms-client-principal', 'x-ms-client-principal-id', 'x-ms-client-principal-name', 'x-ms-client-principal-idp', 'x-forwarded-user', 'x-mha-identity']) {
      expect(rawNames.filter((n) => n === name)).toHaveLength(1);
    }
    expect(rawNames).not.toContain('x_ms_client_principal_name');
    expect(rawNames).not.toContain('x-ms-token-aad-id-token');
    expect(rawNames).not.toContain('x-forwarded-groups'); // B.Simon has no groups: the header is absent, not the spoofed one
    expect(rawNames).not.toContain('x-auth-request-user');
    expect(rawNames).not.toContain('remote-user');
    expect(seen.headers['x-ms-client-principal-id']).toBe(bSimon().oid);
    expect(seen.headers['x-forwarded-user']).toBe(bSimon().oid);
    expect(seen.headers['x-forwarded-email']).toBe('B.Simon@contoso.com');
    expect(JSON.stringify(seen.headers)).not.toMatch(/attacker|admin|forged/);
    expect(h.logs.some((l) => l['event'] === 'gateway.spoofed_headers')).toBe(true);

    // A client listing our header as hop-by-hop in Connection cannot make it disappear either: such a request
    // is refused, not forwarded (issue 14 item 1; test/security/gateway-smuggling.test.ts).
    const before = up.received.length;
    const listed = await rawRequest('/mha/echo', [`Cookie: ${cookie}`, 'Accept: application/json', 'Connection: X-MS-CLIENT-PRINCIPAL-ID, X-Forwarded-User']);
    expect(listed).toMatch(/^HTTP\/1\.1 400/);
    expect(listed).toContain('"error":"connection_names_protected_header"');
    expect(up.received.length).toBe(before);
  });

  it('never forwards our session or login cookie, but keeps the backend its own cookies', async () => {
    browser.setCookie(h.baseUrl, 'mha.auth', 'login-binding-value');
    browser.setCookie(h.baseUrl, 'theme', 'dark');
    const { body } = await echo('/mha/echo');
    // (The jar also holds the emulator's cookies: same host, another port.)
    const names = body.headers['cookie']!.split('; ').map((c) => c.split('=')[0]);
    expect(names).toContain('theme');
    expect(names).not.toContain('mha.sid');
    expect(names).not.toContain('mha.auth');
    expect(JSON.stringify(body.headers)).not.toContain(browser.cookie(h.baseUrl, 'mha.sid')!);
  });

  it('drops a Set-Cookie from the upstream that would overwrite our session cookie, keeps the others', async () => {
    const res = await browser.request(`${h.baseUrl}/mha/cookies`);
    expect(res.status).toBe(200);
    const setCookies = res.headers.getSetCookie();
    expect(setCookies.some((c) => c.startsWith('app=1'))).toBe(true);
    expect(setCookies.some((c) => c.includes('planted-by-upstream'))).toBe(false);
  });
});

describe('gateway: streaming', () => {
  it('streams a 64 MiB upload to the upstream while it is still being sent, intact', async () => {
    const chunks = 64;
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunkOf(i));
    const firstArrived = up.nextUploadChunk();
    const started = performance.now();
    const req = httpRequest(`${h.baseUrl}/mha/upload`, { method: 'POST', headers: { cookie, accept: 'application/json', 'content-type': 'application/octet-stream' } });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.write(chunkOf(0));
    // Only 1 MiB of 64 has been sent: a proxy that buffered the body would never get here.
    await firstArrived;
    for (let i = 1; i < chunks; i++) {
      if (!req.write(chunkOf(i))) await new Promise((r) => req.once('drain', r));
    }
    req.end();
    const res = await response;
    let text = '';
    for await (const c of res) text += String(c);
    const ms = performance.now() - started;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(text)).toEqual({ bytes: chunks * CHUNK, sha256: expected.digest('hex') });
    console.info(`gateway upload: ${chunks} MiB in ${Math.round(ms)} ms (${Math.round((chunks / ms) * 1000)} MiB/s)`);
  });

  it('streams a 64 MiB download to the client before the upstream has finished, intact', async () => {
    const chunks = 64;
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunkOf(i));
    const started = performance.now();
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest(`${h.baseUrl}/mha/download?chunks=${chunks}`, { headers: { cookie } }, resolve).on('error', reject).end(),
    );
    expect(res.statusCode).toBe(200);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res) {
      // The upstream holds back everything after its first MiB until we have seen bytes.
      if (bytes === 0) up.releaseDownload();
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    const ms = performance.now() - started;
    expect(bytes).toBe(chunks * CHUNK);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    console.info(`gateway download: ${chunks} MiB in ${Math.round(ms)} ms (${Math.round((chunks / ms) * 1000)} MiB/s)`);
  });
});

describe('gateway: redirects and failures', () => {
  it('rewrites redirects to the upstream origin onto the public origin, and leaves others alone', async () => {
    const res = await browser.request(`${h.baseUrl}/mha/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${h.baseUrl}/mha/after?x=1`);
    const seeOther = await browser.request(`${h.baseUrl}/mha/see-other`);
    expect(seeOther.status).toBe(303);
    expect(seeOther.headers.get('location')).toBe('/mha/relative');
    const elsewhere = await browser.request(`${h.baseUrl}/mha/elsewhere`);
    expect(elsewhere.headers.get('location')).toBe('https://login.microsoftonline.com/logout');
  });

  it('answers a slow upstream with a friendly 504 page after UPSTREAM_TIMEOUT_MS, with the request id', async () => {
    const started = performance.now();
    const res = await browser.request(`${h.baseUrl}/mha/slow`);
    const ms = performance.now() - started;
    expect(res.status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(5000);
    const html = await res.text();
    expect(html).toContain('took too long to answer');
    expect(html).toContain('href="/mha/slow"'); // "Try again
    expect(html).toContain(res.headers.get('x-request-id')!);
    expect(html).not.toContain(up.url);
    expect(html).not.toMatch(/at .*\.js:\d+/);

    const json = await browser.request(`${h.baseUrl}/mha/slow`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(504);
    expect(await json.json()).toMatchObject({ error: 'upstream_timeout', requestId: json.headers.get('x-request-id') });
  });

  it('answers an upstream that is down with a friendly 502 page naming no internals', async () => {
    const port = await closedPort();
    const down = await startHarness({ env: { UPSTREAM_URL: `http://127.0.0.1:${port}` } });
    try {
      const b = new Browser();
      const { res } = await b.signIn(`${down.baseUrl}/mha/`);
      expect(res.status).toBe(502);
      const html = await res.text();
      expect(html).toContain('cannot be reached right now');
      expect(html).toContain(res.headers.get('x-request-id')!);
      expect(html).not.toContain(String(port));
      expect(html).not.toContain('ECONNREFUSED');
      // The operator gets the cause in the log.
      expect(down.rawLogs.some((l) => l.includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await down.close();
    }
  });
});

describe('issue 14 item 2: the gateway judges the canonical path and forwards exactly that path', () => {
  /** One raw request line (no client normalises it), answered with the status and the upstream's view. */
  async function raw(path: string, who: string = cookie): Promise<{ status: number; url?: string }> {
    const before = up.received.length;
    const text = await rawRequest(path, [`Cookie: ${who}`, 'Accept: application/json']);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    // The client asked to close (rawRequest reads to the end): the backend's keep-alive is not passed on.
    expect(text, path).toMatch(/\r\nConnection: close\r\n/i);
    const reached = up.received.slice(before);
    expect(reached.length, path).toBeLessThanOrEqual(1);
    return { status, ...(reached[0] ? { url: reached[0].url } : {}) };
  }

  it('issue 14 item 2: dot segments, %2e, encoded letters and case cannot reach /mha/admin without the admin role', async () => {
    for (const path of ['/mha/./admin/x', '/mha/x/../admin/x', '/mha/%2e/admin/x', '/mha/%2E%2e/mha/admin/x', '/mha/%61dmin/x', '/MHA/ADMIN/x', '/mha/admin/x?y=/../..']) {
      expect(await raw(path), path).toEqual({ status: 403 });
    }
  });

  it('issue 14 item 2: what backends read in more than one way is refused with 400, never forwarded', async () => {
    for (const path of ['/mha/admin\\x', '/mha\\admin', '/mha/%2Fadmin', '/mha/%5Cadmin', '/mha/admin;jsessionid=1', '/mha/..;/admin', '//mha/admin', '/mha//admin', '/mha/%00', '/mha/%u0061dmin', '/mha/%252e%252e/admin', '/mha/%c0%ae%c0%ae/admin', '/mha/admin./x', '/mha/x#/../admin']) {
      expect(await raw(path), path).toEqual({ status: 400 });
    }
    const page = await browser.request(`${h.baseUrl}/mha/%2Fadmin`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('can be read in more than one way');
  });

  it('issue 14 item 2: /mha/../internal/secret never reaches the backend outside the gated prefixes', async () => {
    for (const path of ['/mha/../internal/secret', '/reports/../internal/secret', '/mha/%2e%2e/internal/secret', '/mha/x/../../internal']) {
      expect(await raw(path), path).toEqual({ status: 404 });
    }
    expect(await raw('/mha/../../internal/secret')).toEqual({ status: 400 });
  });

  it('issue 14 item 2: the backend receives the canonical path, the one that was judged', async () => {
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const adminCookie = `mha.sid=${admin.cookie(h.baseUrl, 'mha.sid')!}`;
    for (const [path, judged] of [
      ['/mha/./admin/x', '/mha/admin/x'],
      ['/mha/x/../admin/x?q=/../a%2F', '/mha/admin/x?q=/../a%2F'],
      ['/mha/%2e/admin/%7Euser', '/mha/admin/~user'],
      ['/mha/a%c3%a9', '/mha/a%C3%A9'],
      ['/mha/{x}', '/mha/%7Bx%7D'],
      ['/reports/2024/../2025', '/reports/2025'],
    ] as const) {
      expect(await raw(path, adminCookie), path).toEqual({ status: 200, url: judged });
    }
    // B.Simon reaches the same canonical paths outside /mha/admin.
    expect(await raw('/mha/admin/../echo')).toEqual({ status: 200, url: '/mha/echo' });
    expect(await raw('/mha/%61dmin-guide')).toEqual({ status: 200, url: '/mha/admin-guide' });
  });
});

describe('gateway: websockets', () => {
  const wsUrl = (path: string) => `${h.baseUrl.replace('http:', 'ws:')}${path}`;

  function open(path: string, headers: Record<string, string>): Promise<{ ws?: WebSocket; status?: number; first?: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(path), { headers });
      ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) as Record<string, unknown> }));
      ws.once('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode });
        res.resume();
      });
      ws.once('error', (err) => reject(err));
    });
  }

  it('passes a signed-in websocket through with identity headers, stripped spoofs, and echoes messages', async () => {
    const { ws, first } = await open('/mha/socket?room=1', { cookie, origin: h.baseUrl, 'X-Forwarded-User': 'admin', 'X-MS-CLIENT-PRINCIPAL-ID': 'attacker' });
    expect(first!['url']).toBe('/mha/socket?room=1');
    const hd = first!['headers'] as Record<string, string>;
    expect(hd['x-forwarded-user']).toBe(bSimon().oid);
    expect(hd['x-ms-client-principal-id']).toBe(bSimon().oid);
    expect(hd['cookie']).toBeUndefined();
    expect(hd['x-mha-identity']).toMatch(/^ey/);
    const reply = new Promise<string>((resolve) => ws!.once('message', (d) => resolve(String(d))));
    ws!.send('hello through the gateway');
    expect(await reply).toBe('hello through the gateway');
    ws!.close();
  });

  it('issue 14 item 2: a websocket is judged and forwarded on the canonical path too (raw handshakes: no client normalises them)', async () => {
    const handshake = async (path: string) =>
      (
        await rawExchange(
          h.baseUrl,
          `GET ${path} HTTP/1.1\r\nHost: ${new URL(h.baseUrl).host}\r\nCookie: ${cookie}\r\nOrigin: ${h.baseUrl}\r\n` +
            'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        )
      ).status;
    const before = up.received.length;
    for (const path of ['/mha/./admin/ws', '/mha/x/../admin/ws', '/mha/%2e/admin/ws', '/MHA/%41DMIN/ws']) {
      expect(await handshake(path), path).toBe(403);
    }
    for (const path of ['/mha/%2Fadmin/ws', '/mha/admin;x/ws', '/mha//ws', '/mha/%252e/ws', '/mha\\admin/ws']) {
      expect(await handshake(path), path).toBe(400);
    }
    expect(await handshake('/mha/../internal/ws')).toBe(404);
    expect(up.received.length).toBe(before);
    expect(await handshake('/mha/x/../socket?room=%2e')).toBe(101);
    expect(up.received.slice(before).map((r) => r.url)).toEqual(['/mha/socket?room=%2e']);
  });

  it('issue 14 item 1: a websocket handshake carrying a body, or naming a framing or identity header in Connection, is refused', async () => {
    const before = up.received.length;
    for (const extra of ['Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', 'Connection: Upgrade, X-Forwarded-User\r\n', 'Connection: Upgrade, Content-Length\r\n']) {
      const res = await rawExchange(
        h.baseUrl,
        `GET /mha/socket HTTP/1.1\r\nHost: ${new URL(h.baseUrl).host}\r\nCookie: ${cookie}\r\nOrigin: ${h.baseUrl}\r\n` +
          `Connection: Upgrade\r\n${extra}Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
      expect(res.status, extra).toBe(400);
    }
    expect(up.received.length).toBe(before);
  });

  it('refuses a websocket without a session (401), from a foreign origin (403), and outside the gated paths (404)', async () => {
    const before = up.received.length;
    expect((await open('/mha/socket', { origin: h.baseUrl })).status).toBe(401);
    expect((await open('/mha/socket', { origin: h.baseUrl, cookie: 'mha.sid=s%3Aforged.sig' })).status).toBe(401);
    expect((await open('/mha/socket', { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await open('/elsewhere', { cookie, origin: h.baseUrl })).status).toBe(404);
    expect(up.received.length).toBe(before);
  });
});

describe('issue 14: what the backend receives in gateway mode', () => {
  const groupIds = (n: number) => Array.from({ length: n }, (_, i) => `0a0b0c0d-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
  const GROUPED: EmulatorUser[] = [
    { username: 'G.Thirty@contoso.com', name: 'G.Thirty', oid: '5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c30', email: 'G.Thirty@contoso.com', groups: groupIds(30) },
    { username: 'G.TwoHundred@contoso.com', name: 'G.TwoHundred', oid: '6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3200', email: 'G.TwoHundred@contoso.com', groups: groupIds(200) },
  ];
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({
      users: [...DEFAULT_USERS, ...GROUPED, ...GROUP_USERS],
      env: { UPSTREAM_URL: up.url, UPSTREAM_JWT_KEY: JWT_SECRET, UPSTREAM_FORWARD_HEADERS: 'X-Tenant-Hint,X-Custom-*' },
    });
  });
  afterAll(async () => {
    await g?.close();
  });
  const latest = () => up.received[up.received.length - 1]!;
  const requestBytes = (r: { method: string; url: string; rawHeaders: string[] }) =>
    `${r.method} ${r.url} HTTP/1.1\r\n`.length + r.rawHeaders.reduce((sum, v) => sum + v.length + 2, 0) + 2;
  const identityBytes = (r: { rawHeaders: string[] }) =>
    r.rawHeaders.reduce((sum, v, i, all) => (i % 2 === 0 && isIdentityHeader(v) ? sum + v.length + all[i + 1]!.length + 4 : sum), 0);
  const verify = async (token: unknown) =>
    (await jwtVerify(String(token), new TextEncoder().encode(JWT_SECRET), { issuer: g.baseUrl, audience: up.url, algorithms: ['HS256'] })).payload;

  it.each([
    [0, 'B.Simon'],
    [30, 'G.Thirty'],
    [200, 'G.TwoHundred'],
    [250, 'G.Many'],
  ] as const)('item 4: a user in %i groups reaches the backend with identity under 4 KB, the request under 8 KB, the marker when capped', async (groups, name) => {
    const b = new Browser();
    const { res } = await b.signIn(`${g.baseUrl}/mha/echo`, name);
    expect(res.status).toBe(200);
    const seen = latest();
    expect(identityBytes(seen)).toBeLessThan(4096);
    expect(requestBytes(seen)).toBeLessThan(8192);
    const user = g.emulator.users.find((u) => u.name === name)!;
    const payload = await verify(seen.headers['x-mha-identity']);
    if (groups === 0) {
      expect(seen.headers['x-mha-groups-overage']).toBeUndefined();
    } else {
      expect(seen.headers['x-mha-groups-overage']).toBe(`${g.config.entra.graphHost}/v1.0/users/${user.oid}/getMemberObjects`);
      expect(seen.headers['x-forwarded-groups']).toBeUndefined();
      expect(payload['groups']).toBeUndefined();
      expect(payload['_claim_names']).toEqual({ groups: 'src1' });
    }
  });

  it('item 5: no identity or routing header a signed-in client sends reaches the backend, over HTTP', async () => {
    const b = new Browser();
    await b.signIn(`${g.baseUrl}/auth/login`);
    const spoofed = Object.fromEntries(ITEM_5_HEADERS.map((n) => [n, `spoofed-${n}`]));
    const res = await b.request(`${g.baseUrl}/mha/echo`, {
      headers: { ...spoofed, accept: 'application/json', 'x-tenant-hint': 'kept', 'x-custom-thing': 'kept', 'x-unknown': 'dropped' },
    });
    expect(res.status).toBe(200);
    const { port } = new URL(g.baseUrl);
    const seen = latest();
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('spoofed');
    expect(seen.headers['x-tenant-hint']).toBe('kept');
    expect(seen.headers['x-custom-thing']).toBe('kept');
    expect(seen.headers['x-unknown']).toBeUndefined();
    // Set by us, from BASE_URL.
    expect(seen.headers['x-forwarded-port']).toBe(port);
    expect(seen.headers['x-forwarded-prefix']).toBeUndefined();
    expect(seen.headers['x-forwarded-user']).toBe(g.emulator.users.find((u) => u.name === 'B.Simon')!.oid);
    const logged = g.logs.filter((l) => l['event'] === 'gateway.spoofed_headers').pop()!;
    expect(logged['headers']).toEqual(expect.arrayContaining(['x-original-url', 'remote-user', 'oidc_claim_email']));
  });

  it('item 5: nor over a websocket handshake', async () => {
    const b = new Browser();
    await b.signIn(`${g.baseUrl}/auth/login`);
    const spoofed = Object.fromEntries(ITEM_5_HEADERS.map((n) => [n, `spoofed-${n}`]));
    const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const ws = new WebSocket(`${g.baseUrl.replace('http:', 'ws:')}/mha/socket`, {
        headers: { ...spoofed, cookie: `mha.sid=${b.cookie(g.baseUrl, 'mha.sid')!}`, origin: g.baseUrl },
      });
      ws.once('message', (data) => {
        resolve(JSON.parse(String(data)) as Record<string, unknown>);
        ws.close();
      });
      ws.once('unexpected-response', (_req, res) => reject(new Error(`websocket refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    expect(JSON.stringify(first['headers'])).not.toContain('spoofed');
    expect(JSON.stringify(latest().rawHeaders)).not.toContain('spoofed');
    expect((first['headers'] as Record<string, string>)['sec-websocket-key']).toEqual(expect.any(String));
  });

  it('item 6: X-MHA-Identity names the method and path of the request the backend receives (HTTP and websocket)', async () => {
    const b = new Browser();
    await b.signIn(`${g.baseUrl}/auth/login`);
    for (const [method, path] of [['GET', '/mha/echo'], ['POST', '/mha/reports/x'], ['DELETE', '/mha/items/7'], ['PUT', '/MHA/Items/8']] as const) {
      const res = await b.request(`${g.baseUrl}${path}?q=1`, { method, headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      const seen = latest();
      const payload = await verify(seen.headers['x-mha-identity']);
      expect(payload).toMatchObject({ mha_method: seen.method, mha_path: seen.url.split('?')[0] });
      expect(seen.method).toBe(method);
      expect(payload.exp! - payload.iat!).toBe(60);
    }
    const cookieValue = b.cookie(g.baseUrl, 'mha.sid')!;
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${g.baseUrl.replace('http:', 'ws:')}/mha/socket?room=2`, { headers: { cookie: `mha.sid=${cookieValue}`, origin: g.baseUrl } });
      ws.once('message', () => {
        ws.close();
        resolve();
      });
      ws.once('error', reject);
    });
    const handshake = latest();
    expect(await verify(handshake.headers['x-mha-identity'])).toMatchObject({ mha_method: 'GET', mha_path: '/mha/socket' });
  });
});
