import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareConcurrentJwksFetches } from '../../src/auth/oidc-client.js';

let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    // Slow enough that concurrent callers overlap.
    setTimeout(() => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [{ kid: 'k1' }], path: req.url })), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const GET = { method: 'GET', headers: {}, body: undefined, redirect: 'manual' as const };

describe('shared JWKS downloads', () => {
  it('gives concurrent JWKS requests one download, each with its own readable body', async () => {
    hits.clear();
    const fetchShared = shareConcurrentJwksFetches(`${base}/keys`);
    const responses = await Promise.all(Array.from({ length: 5 }, () => fetchShared(`${base}/keys`, GET)));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ keys: unknown[] }>));
    expect(hits.get('/keys')).toBe(1);
    expect(bodies.every((b) => b.keys.length === 1)).toBe(true);
  });

  it('downloads again once the previous download is done and released (the cache refresh still happens)', async () => {
    hits.clear();
    const fetchShared = shareConcurrentJwksFetches(`${base}/keys`, fetch, 20);
    await (await fetchShared(`${base}/keys`, GET)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 40));
    await (await fetchShared(`${base}/keys`, GET)).arrayBuffer();
    expect(hits.get('/keys')).toBe(2);
  });

  it('passes every other request straight through', async () => {
    hits.clear();
    const fetchShared = shareConcurrentJwksFetches(`${base}/keys`);
    await Promise.all([
      fetchShared(`${base}/token`, { ...GET, method: 'POST', body: 'a=b' }).then((r) => r.arrayBuffer()),
      fetchShared(`${base}/token`, { ...GET, method: 'POST', body: 'a=b' }).then((r) => r.arrayBuffer()),
      fetchShared(`${base}/other`, GET).then((r) => r.arrayBuffer()),
      fetchShared(`${base}/other`, GET).then((r) => r.arrayBuffer()),
    ]);
    expect(hits.get('/token')).toBe(2);
    expect(hits.get('/other')).toBe(2);
  });
});
