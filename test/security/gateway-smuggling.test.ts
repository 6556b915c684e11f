/**
 * Issue 14 item 1: request smuggling through the gateway's pooled keep-alive connections. A signed-in user
 * without the admin role sends one request whose body is a second request (with identity headers of their
 * choosing); if the gateway forwards the body without its framing, the backend parses that body as a request
 * of its own. Everything here goes over raw sockets through the real gateway to a real backend that records
 * every request it parses, per connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { rawExchange } from '../support/raw-http.js';
import { startUpstream, type Received, type Upstream } from '../support/upstream.js';

let up: Upstream;
let h: Harness;
let cookie: string;
let host: string;

beforeAll(async () => {
  up = await startUpstream();
  // X-Custom-Hop is a backend's own header (UPSTREAM_FORWARD_HEADERS), so only Connection decides whether it passes.
  h = await startHarness({ env: { UPSTREAM_URL: up.url, UPSTREAM_FORWARD_HEADERS: 'X-Custom-Hop' } });
  const browser = new Browser();
  await browser.signIn(`${h.baseUrl}/auth/login`);
  cookie = `mha.sid=${browser.cookie(h.baseUrl, 'mha.sid')!}`;
  host = new URL(h.baseUrl).host;
}, 60_000);
afterAll(async () => {
  await h?.close();
  await up?.close();
});

const bSimon = () => h.emulator.users.find((u) => u.name === 'B.Simon')!;

/** What the attacker wants the backend to parse as a request of its own. */
const SMUGGLED =
  'POST /mha/admin/delete-user HTTP/1.1\r\nHost: mha-backend\r\nX-Forwarded-User: attacker\r\nX-MS-CLIENT-PRINCIPAL-ID: attacker\r\n' +
  'X-MS-CLIENT-PRINCIPAL-NAME: A.Admin@contoso.com\r\nContent-Length: 0\r\n\r\n';

type Framing = 'content-length' | 'chunked';
const METHODS = ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'PUT', 'POST'] as const;

function attack(method: string, framing: Framing, connection: string | undefined, path = '/mha/echo'): string {
  const framed = framing === 'content-length' ? `Content-Length: ${Buffer.byteLength(SMUGGLED)}\r\n` : 'Transfer-Encoding: chunked\r\n';
  const body = framing === 'content-length' ? SMUGGLED : `${Buffer.byteLength(SMUGGLED).toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
  return (
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nAccept: application/json\r\n` +
    `${connection === undefined ? '' : `Connection: ${connection}\r\n`}${framed}\r\n${body}`
  );
}

/**
 * The requests the backend parsed because of what was sent after `mark`. A sentinel request follows through
 * the gateway; a backend connection the sentinel did not reuse is waited on until it closes (the gateway's pool
 * drops it, or the backend's keep-alive timeout does). Either way every byte the gateway wrote has been parsed:
 * no guessed delay decides the count.
 */
async function parsedSince(mark: number): Promise<Received[]> {
  const sentinel = await fetch(`${h.baseUrl}/mha/sentinel`, { headers: { cookie, accept: 'application/json' } });
  expect(sentinel.status).toBe(200);
  await sentinel.text();
  const since = up.received.slice(mark);
  const sentinelAt = since.findIndex((r) => r.url === '/mha/sentinel');
  expect(sentinelAt).toBeGreaterThanOrEqual(0);
  const sentinelConnection = since[sentinelAt]!.connection;
  const others = new Set(since.filter((r) => r.connection !== sentinelConnection).map((r) => r.connection));
  await Promise.all([...others].map((c) => up.connectionClosed(c)));
  return up.received.slice(mark).filter((r) => r.url !== '/mha/sentinel');
}

describe('issue 14 item 1: Connection naming a framing or identity header', () => {
  const LISTS = [
    'content-length',
    'Content-Length',
    'keep-alive, Content-Length',
    'CONTENT-LENGTH,keep-alive',
    'transfer-encoding',
    'keep-alive, Transfer-Encoding',
    'TRANSFER-ENCODING',
    'close, content-length',
    'Host',
    'keep-alive, X-Forwarded-User',
    'X-MS-CLIENT-PRINCIPAL-ID',
    'x-mha-identity',
  ];

  for (const method of METHODS) {
    for (const framing of ['content-length', 'chunked'] as const) {
      it(`issue 14 item 1: ${method} with ${framing} and Connection naming framing or identity: 400, and the backend parses nothing`, async () => {
        for (const list of LISTS) {
          const mark = up.received.length;
          const res = await rawExchange(h.baseUrl, attack(method, framing, list), { head: method === 'HEAD' });
          const parsed = await parsedSince(mark);
          // Never a request of the attacker's making, above all not one carrying their identity headers.
          expect(parsed.filter((r) => r.url === '/mha/admin/delete-user' || JSON.stringify(r.headers).includes('attacker')), `Connection: ${list}`).toEqual([]);
          expect(parsed, `Connection: ${list}`).toEqual([]);
          expect(res.status, `Connection: ${list}`).toBe(400);
          if (method !== 'HEAD') expect(JSON.parse(res.body), `Connection: ${list}`).toMatchObject({ error: 'connection_names_protected_header' });
        }
      }, 120_000);
    }
  }

  it('issue 14 item 1: the 400 is the friendly page for a browser, never a 500 or a stack', async () => {
    const res = await rawExchange(
      h.baseUrl,
      `POST /mha/echo HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nAccept: text/html\r\nConnection: Content-Length\r\nContent-Length: 3\r\n\r\nabc`,
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<h1');
    expect(res.body).not.toMatch(/at .*\.[jt]s:\d+/);
    expect(h.logs.some((l) => l['code'] === 'connection_names_protected_header')).toBe(true);
  });

  it('issue 14 item 1: harmless Connection options (keep-alive, close, a custom header) still pass', async () => {
    for (const [list, listed] of [['keep-alive', false], ['close', false], ['keep-alive, X-Custom-Hop', true]] as const) {
      const mark = up.received.length;
      const res = await rawExchange(h.baseUrl, `GET /mha/echo HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nAccept: application/json\r\nX-Custom-Hop: 1\r\nConnection: ${list}\r\n\r\n`);
      expect(res.status, list).toBe(200);
      const seen = await parsedSince(mark);
      expect(seen).toHaveLength(1);
      // A header the client names in Connection is hop-by-hop: it ends here.
      expect(seen[0]!.headers['x-custom-hop']).toBe(listed ? undefined : '1');
    }
  });
});

describe('issue 14 item 1: a body always travels with its framing', () => {
  for (const method of METHODS) {
    for (const framing of ['content-length', 'chunked'] as const) {
      it(`issue 14 item 1: ${method} with a ${framing} body: the backend parses exactly one request, with the whole body`, async () => {
        const mark = up.received.length;
        const res = await rawExchange(h.baseUrl, attack(method, framing, undefined), { head: method === 'HEAD' });
        const parsed = await parsedSince(mark);
        expect(parsed.filter((r) => r.url === '/mha/admin/delete-user' || JSON.stringify(r.headers).includes('attacker'))).toEqual([]);
        expect(res.status).toBe(200);
        if (method !== 'HEAD') {
          const echoed = JSON.parse(res.body) as { method: string; url: string; bodyBytes: number };
          expect(echoed).toMatchObject({ method, url: '/mha/echo', bodyBytes: Buffer.byteLength(SMUGGLED) });
        }
        const seen = parsed;
        expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([`${method} /mha/echo`]);
        const [only] = seen;
        // Explicit framing, never a body the backend must guess the end of.
        if (framing === 'content-length') expect(only!.headers['content-length']).toBe(String(Buffer.byteLength(SMUGGLED)));
        else expect(only!.headers['transfer-encoding']).toBe('chunked');
        expect(only!.headers['x-forwarded-user']).toBe(bSimon().oid);
        expect(only!.headers['x-ms-client-principal-id']).toBe(bSimon().oid);
      });
    }
  }
});
