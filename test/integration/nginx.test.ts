import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import type { Emulator } from '../../src/dev/emulator.js';
import {
  fetchTrusting,
  freePort,
  redisClient,
  replicaEnv,
  requireBinary,
  SHARED_REDIS_URL,
  startEmulatorFor,
  startReplica,
  uniquePrefix,
  waitFor,
  type Replica,
} from '../support/ops.js';

// docker-compose.yml's topology without Docker: Debian's nginx runs the very template the compose file
// mounts (rendered the way the official nginx image renders it), terminating TLS with a certificate made
// here, in front of two replicas that share the machine's Redis.
const TEMPLATE = fileURLToPath(new URL('../../deploy/nginx/templates/default.conf.template', import.meta.url));
const COMPOSE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

/** The official image's entrypoint: envsubst of `${VAR}` for the variables its environment defines. */
export function renderTemplate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole);
}

const prefix = uniquePrefix();
let dir: string;
let nginx: ChildProcess | undefined;
let emulator: Emulator;
let a: Replica;
let b: Replica;
let base: string;
let cert: string;
let httpPort: number;
const setCookies: string[] = [];

beforeAll(async () => {
  const nginxBin = requireBinary('nginx', 'install Debian\'s nginx (apt-get install -y nginx); .ci/run does');
  const openssl = requireBinary('openssl', 'install it (apt-get install -y openssl); .ci/run does');
  dir = mkdtempSync(join(tmpdir(), 'mha-nginx-'));
  chmodSync(dir, 0o755);
  execFileSync(openssl, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
  ], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'tls.crt'), 'utf8');

  const httpsPort = await freePort();
  httpPort = await freePort();
  base = `https://localhost:${httpsPort}`;
  emulator = await startEmulatorFor([base]);
  const env = replicaEnv(emulator, base, { SESSION_STORE: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, TRUST_PROXY: '1' });
  a = await startReplica(env);
  b = await startReplica(env);

  const rendered = renderTemplate(readFileSync(TEMPLATE, 'utf8'), {
    MHA_APP_1: new URL(a.url).host,
    MHA_APP_2: new URL(b.url).host,
    MHA_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    MHA_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
    MHA_TLS_CERT: join(dir, 'tls.crt'),
    MHA_TLS_KEY: join(dir, 'tls.key'),
  });
  expect(rendered).not.toMatch(/\$\{/);
  writeFileSync(join(dir, 'default.conf'), rendered);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, sub));
    chmodSync(join(dir, sub), 0o777);
  }
  // Only what the official image's own nginx.conf supplies around conf.d/*.conf; one worker, so the
  // round robin is strict and the test can say which replica served what.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/default.conf;
}
`,
  );
  nginx = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const trusting = fetchTrusting(cert);
  await waitFor(`nginx on ${httpsPort} (${join(dir, 'error.log')})`, async () => (await trusting(`${base}/healthz`)).status === 200);
}, 60_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx!.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await a?.close();
  await b?.close();
  await emulator?.close();
  const redis = await redisClient(SHARED_REDIS_URL);
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
  redis.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function browser(): Browser {
  const trusting = fetchTrusting(cert);
  return new Browser({}, (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const res = await trusting(input, init);
    setCookies.push(...res.headers.getSetCookie());
    return res;
  }) as typeof fetch);
}

/** Which replica served the last request with this path (their access lines). */
function servedBy(path: string): 'a' | 'b' | undefined {
  const last = (r: Replica) => r.logs.filter((l) => l['msg'] === 'request' && l['path'] === path).map((l) => l['time'] as string).pop();
  const [ta, tb] = [last(a), last(b)];
  if (!ta && !tb) return undefined;
  return (ta ?? '') > (tb ?? '') ? 'a' : 'b';
}

describe('nginx terminating TLS in front of two replicas (deploy/nginx, docker-compose.yml)', () => {
  it('signs B.Simon in over HTTPS with the Secure __Host- cookie, the redirect URI from BASE_URL, login and callback on different replicas', async () => {
    const user = browser();
    const { res, url, steps } = await user.signIn(`${base}/auth/login?returnTo=%2Fmha%2Fprofile`);
    expect(url).toBe(`${base}/mha/profile`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('B.Simon@contoso.com');

    const authorize = new URL(steps[0]!.location!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
    const sessionCookie = setCookies.find((c) => c.startsWith('__Host-mha.sid='));
    expect(sessionCookie).toMatch(/; Secure/);
    expect(sessionCookie).toMatch(/; HttpOnly/);
    expect(sessionCookie).not.toMatch(/Domain=/i);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);

    const login = servedBy('/auth/login');
    const callback = servedBy('/auth/callback');
    expect(login).toBeDefined();
    expect(callback).toBeDefined();
    expect(callback).not.toBe(login);

    // Requests alternate between the replicas; every one of them knows the session.
    const before = { a: a.logs.length, b: b.logs.length };
    for (let i = 0; i < 4; i++) {
      const me = await user.request(`${base}/api/me`, { headers: { accept: 'application/json' } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ name: 'B.Simon' });
    }
    const count = (r: Replica, from: number) => r.logs.slice(from).filter((l) => l['msg'] === 'request' && l['path'] === '/api/me').length;
    expect([count(a, before.a), count(b, before.b)]).toEqual([2, 2]);
  });

  it('keeps /metrics private, redirects plain http to https and passes its request id to the app', async () => {
    const trusting = fetchTrusting(cert);
    expect((await trusting(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${a.url}/metrics`)).status).toBe(200);
    const plain = await trusting(`http://127.0.0.1:${httpPort}/mha/`, { headers: { host: 'localhost' } });
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe('https://localhost/mha/');

    // nginx's request id follows the request into the app's logs.
    const traced = await trusting(`${base}/readyz`);
    const id = traced.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect([...a.logs, ...b.logs].some((l) => l['reqId'] === id)).toBe(true);
  });

  it("does not let a client's own X-Forwarded-For change the address the app counts (docs/production.md \"Behind a proxy\")", async () => {
    const trusting = fetchTrusting(cert);
    const res = await trusting(`${base}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(302);
    // The sign-in rate limit is keyed by the client address the app believed (TRUST_PROXY=1).
    const redis = await redisClient(SHARED_REDIS_URL);
    try {
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}rl:auth:*` })) keys.push(...batch);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join()).not.toContain('203.0.113.9');
      expect(keys).toContain(`${prefix}rl:auth:127.0.0.1`);
    } finally {
      redis.destroy();
    }
  });

  it('keeps serving through the other replica when one stops', async () => {
    const user = browser();
    await user.signIn(`${base}/auth/login`);
    await b.close();
    for (let i = 0; i < 4; i++) {
      expect((await user.request(`${base}/api/me`, { headers: { accept: 'application/json' } })).status).toBe(200);
    }
  });

  it('is the configuration docker-compose.yml gives nginx', () => {
    const compose = readFileSync(COMPOSE, 'utf8');
    expect(compose).toContain('./deploy/nginx/templates:/etc/nginx/templates:ro');
    const used = new Set([...readFileSync(TEMPLATE, 'utf8').matchAll(/\$\{([A-Z_0-9]+)\}/g)].map((m) => m[1]));
    for (const name of used) expect(compose, `${name} set for nginx in docker-compose.yml`).toMatch(new RegExp(`\\n\\s+${name}: `));
  });
});
