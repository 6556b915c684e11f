import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DEFAULT_USERS, type EmulatorUser } from '../../src/dev/emulator.js';
import { isIdentityHeader } from '../../src/gateway/identity-headers.js';
import { isRoutingHeader } from '../../src/gateway/forwarded-headers.js';
import { Browser } from '../support/browser.js';
import { appEnvFor, startHarness, type Harness } from '../support/harness.js';
import { README_AUTH_CHECK_HEADING, README_BACKEND, README_SIGNIN } from '../support/nginx.js';
import { readmeSnippet } from '../support/readme.js';
import { ITEM_5_HEADERS } from '../support/spoofed-headers.js';

// The README's proxy snippets against what GET /auth/check really answers. nginx's snippet also runs against a
// real nginx (auth-check.test.ts); Traefik is not packaged for this machine, so its snippet is checked here:
// the headers it copies and strips, and the cookie it hands back, compared with this server's behaviour.

/** A user for whom /auth/check sends every header it can: email, groups, roles. */
const EVERYTHING: EmulatorUser = {
  username: 'E.Everything@contoso.com',
  name: 'E.Everything',
  oid: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a66',
  email: 'E.Everything@contoso.com',
  roles: ['MHA.Admin'],
  groups: ['0a0b0c0d-0000-4000-8000-000000000001', '0a0b0c0d-0000-4000-8000-000000000002'],
};

/** And one whose groups do not fit: /auth/check sends the overage marker for them instead (issue 14 item 4). */
const MANY_GROUPS: EmulatorUser = {
  username: 'M.Groups@contoso.com',
  name: 'M.Groups',
  oid: '2e3d4c5b-6a79-4889-9a0b-1c2d3e4f5a77',
  groups: Array.from({ length: 200 }, (_, i) => `0a0b0c0d-0000-4000-8000-${String(i + 1).padStart(12, '0')}`),
};

const JWT_SECRET = 'snippet-test-identity-secret-0123456789abcdef';

let h: Harness;
/** Header names (lower case) of a signed-in 202 from /auth/check, identity ones and the rest. */
let identity: string[];
let others: string[];

beforeAll(async () => {
  h = await startHarness({ users: [...DEFAULT_USERS, EVERYTHING, MANY_GROUPS], env: { UPSTREAM_JWT_KEY: JWT_SECRET } });
  const browser = new Browser();
  await browser.signIn(`${h.baseUrl}/auth/login`, 'E.Everything');
  // With the idle clock due, so the answer carries its Set-Cookie too.
  h.advance(h.config.session.touchIntervalMs + 1000);
  const res = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/' } });
  expect(res.status).toBe(202);
  const names = [...res.headers.keys()];
  const many = new Browser();
  await many.signIn(`${h.baseUrl}/auth/login`, 'M.Groups');
  const overage = await many.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/' } });
  expect(overage.status).toBe(202);
  const overageNames = [...overage.headers.keys()];
  identity = [...new Set([...names, ...overageNames].filter(isIdentityHeader))].sort();
  others = [...new Set([...names, ...overageNames].filter((n) => !isIdentityHeader(n)))].sort();
});
afterAll(async () => {
  await h?.close();
});

describe('the identity headers /auth/check sends (what the snippets must carry)', () => {
  it('are the README header table: App Service, oauth2-proxy style, X-MHA-Identity and (issue 14 item 4) X-MHA-Groups-Overage', () => {
    expect(identity).toEqual(
      [
        'x-forwarded-email',
        'x-forwarded-groups',
        'x-forwarded-preferred-username',
        'x-forwarded-user',
        'x-mha-groups-overage',
        'x-mha-identity',
        'x-ms-client-principal',
        'x-ms-client-principal-id',
        'x-ms-client-principal-idp',
        'x-ms-client-principal-name',
      ].sort(),
    );
    expect(others).toContain('set-cookie');
    expect(others).toContain('cache-control');
  });
});

describe("README's nginx snippet (auth_request)", () => {
  const nginx = readmeSnippet(README_AUTH_CHECK_HEADING, 'nginx');
  const variables = new Map([...nginx.matchAll(/auth_request_set\s+\$(\w+)\s+\$upstream_http_(\w+);/g)].map((m) => [m[1]!, m[2]!.replace(/_/g, '-')]));
  const proxySet = new Map([...nginx.matchAll(/proxy_set_header\s+([\w-]+)\s+(\S+);/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));

  it('takes exactly the identity headers /auth/check sends from its answer, and the renewed cookie', () => {
    const taken = [...variables.values()].filter((n) => n !== 'set-cookie').sort();
    expect(taken).toEqual(identity);
    expect([...variables.values()]).toContain('set-cookie');
    expect(nginx).toMatch(/add_header\s+Set-Cookie\s+\$auth_cookie;/);
  });

  it('sets each of them on the proxied request from that answer, replacing what the client sent', () => {
    for (const name of identity) {
      const variable = [...variables].find(([, header]) => header === name)?.[0];
      expect(proxySet.get(name), `proxy_set_header ${name}`).toBe(`$${variable}`);
    }
  });

  it('issue 14 item 5: forwards only the headers it names (an allow-list), none of them identity or routing but ours', () => {
    expect(nginx).toMatch(/^\s*proxy_pass_request_headers\s+off;/m);
    const location = nginx.slice(0, nginx.indexOf('location = /auth/check'));
    const named = [...location.matchAll(/proxy_set_header\s+([\w-]+)\s+(\S+);/g)].map((m) => [m[1]!.toLowerCase(), m[2]!] as const);
    for (const [name, value] of named) {
      // Hop-by-hop, cleared so nginx keeps its upstream connection alive (issue 19).
      if (name === 'connection') expect(value, name).toBe('""');
      else if (isIdentityHeader(name)) expect(identity, name).toContain(name);
      else if (isRoutingHeader(name)) expect(value, name).toMatch(/^\$(remote_addr|scheme|host|server_port)$/);
      // Every other header is the client's own, under its own name.
      else expect(value, name).toBe(`$http_${name.replace(/-/g, '_')}`);
    }
  });

  it('issue 14 items 4 and 6: sizes the auth answer buffer and names the original method to /auth/check', () => {
    const check = nginx.slice(nginx.indexOf('location = /auth/check'));
    expect(check).toMatch(/proxy_buffer_size\s+16k;/);
    expect(check).toMatch(/proxy_set_header\s+X-Forwarded-Method\s+\$request_method;/);
  });

  it('issue 14 item 3: names the original URI to /auth/check in the one header it trusts by default, and clears the other', () => {
    const check = /location = \/auth\/check \{([\s\S]*?)\n\}/.exec(nginx)?.[1] ?? '';
    expect(check).toMatch(/^\s*internal;$/m);
    const set = new Map([...check.matchAll(/proxy_set_header\s+([\w-]+)\s+(\S+);/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    // $request_uri: the URI as the client sent it, which nginx also passes to the backend (proxy_pass without a URI).
    expect(set.get(h.config.gateway.authCheckUriHeader)).toBe('$request_uri');
    expect(set.get('x-original-uri')).toBe('""');
    expect(set.get('x-forwarded-uri')).toBe('$request_uri');
  });
});

describe("issue 19: the README's snippets keep their connections to this server and to the backend alive", () => {
  const nginx = readmeSnippet(README_AUTH_CHECK_HEADING, 'nginx');
  const upstreams = new Map([...nginx.matchAll(/^upstream\s+(\w+)\s*\{([^}]*)\}/gm)].map((m) => [m[1]!, m[2]!]));
  const locations = [...nginx.matchAll(/^location\s+([^{]+?)\s*\{([^}]*)\}/gm)].map((m) => ({ match: m[1]!, body: m[2]! }));

  it('nginx: a keep-alive pool for each server, and every location that proxies speaks HTTP/1.1 to it with Connection cleared', () => {
    expect([...upstreams.keys()].sort()).toEqual(['mha_backend', 'mha_signin']);
    expect(upstreams.get('mha_backend')).toMatch(new RegExp(`^\\s*server\\s+${new URL(README_BACKEND).host};`, 'm'));
    expect(upstreams.get('mha_signin')).toMatch(new RegExp(`^\\s*server\\s+${new URL(README_SIGNIN).host};`, 'm'));
    for (const body of upstreams.values()) expect(body).toMatch(/^\s*keepalive\s+\d+;/m);
    const proxying = locations.filter((l) => /proxy_pass/.test(l.body));
    expect(proxying.map((l) => l.match)).toEqual(['/', '= /auth/check', '~ ^/(auth|assets|lang)/']);
    for (const { match, body } of proxying) {
      expect(body, match).toMatch(/^\s*proxy_pass\s+http:\/\/(mha_backend|mha_signin);/m);
      expect(body, match).toMatch(/^\s*proxy_http_version\s+1\.1;/m);
      expect(body, match).toMatch(/^\s*proxy_set_header\s+Connection\s+"";/m);
    }
  });

  it('Traefik: both services use a transport that keeps idle connections', () => {
    const traefik = readmeSnippet(README_AUTH_CHECK_HEADING, 'yaml');
    expect(traefik.match(/^\s+serversTransport:\s*mha-keepalive$/gm)).toHaveLength(2);
    const idle = /^\s+mha-keepalive:\n\s+maxIdleConnsPerHost:\s*(\d+)$/m.exec(traefik)?.[1];
    expect(Number(idle)).toBeGreaterThanOrEqual(32);
  });
});

describe("README's Traefik snippet (forwardAuth)", () => {
  const traefik = readmeSnippet(README_AUTH_CHECK_HEADING, 'yaml');
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s*(.+)$`, 'm').exec(traefik)?.[1]?.trim();
  const pattern = JSON.parse(field('authResponseHeadersRegex') ?? 'null') as string;
  // Traefik compiles it with Go's regexp; `(?i)` there is the `i` flag here, the rest is the common syntax.
  if (!pattern.startsWith('(?i)')) throw new Error('the Traefik regex must be case-insensitive: header names are');
  const regex = new RegExp(pattern.slice('(?i)'.length), 'i');
  // Go keeps header names in canonical form (X-Ms-Client-Principal-Id); names with `_` are left as sent.
  const canonical = (n: string) => n.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());

  it('asks /auth/check on this server', () => {
    expect(JSON.parse(field('address') ?? 'null')).toBe(`${README_SIGNIN}/auth/check`);
  });

  it('issue 14 item 3: /auth/check hears only the X-Forwarded-Uri forwardAuth sets: a client X-Original-URI is removed first, and /auth/check is not routed to clients', () => {
    // forwardAuth sets X-Forwarded-Uri itself, the header this server trusts by default.
    expect(h.config.gateway.authCheckUriHeader).toBe('x-forwarded-uri');
    expect(traefik).not.toMatch(/trustForwardHeader:\s*true/);
    // A headers middleware emptying X-Original-URI (Traefik removes a header set to ""), before mha-auth.
    expect(traefik).toMatch(/mha-original-uri:\n\s+headers:\n\s+customRequestHeaders:\n\s+X-Original-URI: ""/);
    expect(/^\s+middlewares: (\[.*\])$/m.exec(traefik)?.[1]).toBe('[mha-original-uri, mha-auth]');
    const signinRule = /mha-signin:\n(?:\s+#.*\n)*\s+rule: "(.+)"/.exec(traefik)?.[1] ?? '';
    expect(signinRule).toContain('PathPrefix(`/auth`)');
    expect(signinRule).toMatch(/&& !PathPrefix\(`\/auth\/check`\)$/);
  });

  it('copies exactly the identity headers /auth/check sends, and none of its other headers', () => {
    for (const name of identity) expect(regex.test(canonical(name)), name).toBe(true);
    for (const name of others) expect(regex.test(canonical(name)), name).toBe(false);
  });

  it('strips from the request every identity and routing header name this server strips in gateway mode (issue 14 item 5), and only those', () => {
    // Traefik first removes every request header the regex matches, then copies the matching ones we sent:
    // so a spoofed header is gone even when we send no value for it (no email, no groups, no token).
    const names = [
      'X-MS-CLIENT-PRINCIPAL', 'x-ms-client-principal-id', 'X-Ms-Client-Principal-Name', 'X-MS-CLIENT-PRINCIPAL-IDP',
      'X-MS-CLIENT-PRINCIPAL-FUTURE', 'X-MS-TOKEN-AAD-ID-TOKEN', 'X-Ms-Token-Aad-Refresh-Token', 'X-MHA-Identity', 'X-Mha-Anything',
      'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Groups', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Access-Token',
      'X-Auth-Request-User', 'X-Auth-Request-Email', 'Remote-User', 'X-Remote-User',
      // CGI and PHP read these as the names above.
      'X_MS_CLIENT_PRINCIPAL_ID', 'X_Forwarded_User', 'x_mha_identity', 'REMOTE_USER', 'X_AUTH_REQUEST_USER',
      // Issue 14 item 5: the other identity and routing headers a backend may trust.
      ...ITEM_5_HEADERS, 'X-Remote-Addr', 'CF-Connecting-IP', 'X-Cluster-Client-IP', 'X-HTTP-Method', 'X-Method-Override', 'X-Host',
      // Traefik's own forwarding headers (it replaces them at its entrypoint) and everything else pass.
      'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Uri', 'X-Forwarded-Method', 'X-Forwarded-Port', 'X-Real-Ip',
      'X-Request-Id', 'Cookie', 'Authorization', 'Accept', 'X-Ms-Request-Id', 'X-Forwarded-Username', 'Content-Type',
    ];
    const traefikOwn = (n: string) => /^(x[-_]forwarded([-_].*)?|forwarded|x[-_]real[-_]ip)$/i.test(n) && !isIdentityHeader(n);
    const stripped = (n: string) => isIdentityHeader(n) || (isRoutingHeader(n) && !traefikOwn(n));
    for (const name of names) expect(regex.test(name), name).toBe(stripped(name));
  });

  it('hands the renewed session cookie back to the browser (the https BASE_URL cookie name)', () => {
    const cookies = JSON.parse(field('addAuthCookiesToResponse') ?? 'null') as string[];
    const production = parseConfig(appEnvFor(h.emulator, 'https://mha.example.com', { TRUST_PROXY: '1' }));
    expect(cookies).toEqual([production.session.cookieName]);
    expect(others).toContain('set-cookie');
  });
});
