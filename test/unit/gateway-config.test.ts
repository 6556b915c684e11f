import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig, redactedConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const valid: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~DEF.ghi_jkl-mno123456789pqrstuvwxyz',
};

function problemsOf(env: Env): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const pem = (type: 'rsa' | 'ec', bits = 2048) =>
  (type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: bits })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  ).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('gateway configuration', () => {
  it('serves the built-in pages when no upstream is set, with both identity header sets and no token', () => {
    const g = parseConfig(valid).gateway;
    expect(g).toEqual({
      upstreamUrl: undefined,
      paths: ['/mha'],
      timeoutMs: 30_000,
      passCookies: false,
      forwardHeaders: [],
      headerSets: ['appservice', 'forwarded'],
      jwt: undefined,
      authCheckUriHeader: 'x-forwarded-uri',
    });
  });

  it('issue 14 item 3: reads the one header /auth/check trusts for the original URI (AUTH_CHECK_URI_HEADER), X-Forwarded-Uri by default', () => {
    expect(parseConfig({ ...valid, AUTH_CHECK_URI_HEADER: 'X-Original-URI' }).gateway.authCheckUriHeader).toBe('x-original-uri');
    expect(redactedConfig(parseConfig(valid))).toMatchObject({ authCheckUriHeader: 'x-forwarded-uri' });
    for (const bad of ['X Original URI', 'x-original-uri:', 'Host', 'cookie', 'X_Original_URI']) {
      expect(problemsOf({ ...valid, AUTH_CHECK_URI_HEADER: bad }), bad).toEqual([
        `AUTH_CHECK_URI_HEADER: expected the header name your proxy puts the original URI in, e.g. X-Forwarded-Uri or X-Original-URI (got "${bad}")`,
      ]);
    }
  });

  it('reads the upstream origin, extra prefixes (normalised), timeout, cookies and header sets', () => {
    const g = parseConfig({
      ...valid,
      UPSTREAM_URL: 'http://mha-backend:8080/',
      UPSTREAM_PATHS: '/Reports/, /files,/mha',
      UPSTREAM_TIMEOUT_MS: '5000',
      PASS_COOKIES: 'true',
      IDENTITY_HEADERS: 'forwarded',
    }).gateway;
    expect(g.upstreamUrl).toBe('http://mha-backend:8080');
    expect(g.paths).toEqual(['/mha', '/reports', '/files']);
    expect(g.timeoutMs).toBe(5000);
    expect(g.passCookies).toBe(true);
    expect(g.headerSets).toEqual(['forwarded']);
    expect(parseConfig({ ...valid, IDENTITY_HEADERS: 'none' }).gateway.headerSets).toEqual([]);
  });

  it('takes an HS256 secret or an RSA key (also with literal \\n from an env file), and never shows it', () => {
    const hs = parseConfig({ ...valid, UPSTREAM_JWT_KEY: 's'.repeat(32) });
    expect(hs.gateway.jwt?.alg).toBe('HS256');
    const rsa = pem('rsa');
    const rs = parseConfig({ ...valid, UPSTREAM_JWT_KEY: rsa.trim().replace(/\n/g, '\\n') });
    expect(rs.gateway.jwt?.alg).toBe('RS256');
    expect(rs.gateway.jwt?.key).toBe(rsa.trim());
    expect(JSON.stringify(rs)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(redactedConfig(rs))).not.toContain('PRIVATE KEY');
    expect(redactedConfig(rs)['identityToken']).toBe('RS256 (key set)');
  });

  it.each<[string, Env, string]>([
    ['an upstream that is not a URL', { UPSTREAM_URL: 'mha-backend:8080' }, 'UPSTREAM_URL: expected an http(s) URL: the backend\'s origin, e.g. http://mha-backend:8080 (got "mha-backend:8080")'],
    ['an upstream with a path', { UPSTREAM_URL: 'http://backend/app' }, 'UPSTREAM_URL: expected only scheme, host and port, with no path, query or fragment: the backend\'s origin, e.g. http://mha-backend:8080 (got "http://backend/app")'],
    ['an upstream that is this server', { UPSTREAM_URL: 'http://localhost:3000' }, 'UPSTREAM_URL: points at this server itself (BASE_URL http://localhost:3000); every request would loop. Use the backend\'s own address'],
    ['paths without an upstream', { UPSTREAM_PATHS: '/reports' }, 'UPSTREAM_PATHS: only used together with UPSTREAM_URL; set UPSTREAM_URL or remove UPSTREAM_PATHS'],
    ['a relative path', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: 'reports' }, 'UPSTREAM_PATHS: "reports" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")'],
    ['the root', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/' }, 'UPSTREAM_PATHS: "/" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")'],
    ['a dot segment', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/x/../auth' }, 'UPSTREAM_PATHS: "/x/../auth" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")'],
    ['a query', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/x?y=1' }, 'UPSTREAM_PATHS: "/x?y=1" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")'],
    ['our sign-in routes', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/AUTH/callback' }, 'UPSTREAM_PATHS: "/AUTH/callback" overlaps this server\'s own routes (/auth, /assets, /healthz, /readyz); choose another prefix'],
    ['our assets', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/assets' }, 'UPSTREAM_PATHS: "/assets" overlaps this server\'s own routes (/auth, /assets, /healthz, /readyz); choose another prefix'],
    ['issue 14 item 5: forward headers without an upstream', { UPSTREAM_FORWARD_HEADERS: 'X-Tenant-Hint' }, 'UPSTREAM_FORWARD_HEADERS: only used together with UPSTREAM_URL; set UPSTREAM_URL or remove UPSTREAM_FORWARD_HEADERS'],
    ['issue 14 item 5: an identity header to forward', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_FORWARD_HEADERS: 'X-Tenant-Hint, Remote-User' }, 'UPSTREAM_FORWARD_HEADERS: "Remote-User" is an identity or routing header: only this server sets those; expected a comma list of your backend\'s own request headers, e.g. X-Tenant-Hint,X-Custom-*'],
    ['issue 14 item 5: a routing header to forward', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_FORWARD_HEADERS: 'X-Original-URL' }, 'UPSTREAM_FORWARD_HEADERS: "X-Original-URL" is an identity or routing header: only this server sets those; expected a comma list of your backend\'s own request headers, e.g. X-Tenant-Hint,X-Custom-*'],
    ['issue 14 item 5: a prefix covering identity headers', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_FORWARD_HEADERS: 'X-M*' }, 'UPSTREAM_FORWARD_HEADERS: "X-M*" covers identity or routing headers, which only this server sets; expected a comma list of your backend\'s own request headers, e.g. X-Tenant-Hint,X-Custom-*'],
    ['issue 14 item 5: a name with an underscore', { UPSTREAM_URL: 'http://backend:8080', UPSTREAM_FORWARD_HEADERS: 'X_Tenant' }, 'UPSTREAM_FORWARD_HEADERS: "X_Tenant" is not a header name (letters, digits and -; no "_", which CGI and PHP read as "-"; a trailing * for a prefix); expected a comma list of your backend\'s own request headers, e.g. X-Tenant-Hint,X-Custom-*'],
    ['a timeout out of range', { UPSTREAM_TIMEOUT_MS: '50' }, 'UPSTREAM_TIMEOUT_MS: expected a whole number from 100 to 600000 (got "50")'],
    ['a non-boolean PASS_COOKIES', { PASS_COOKIES: 'maybe' }, 'PASS_COOKIES: expected true or false (got "maybe")'],
    ['an unknown header set', { IDENTITY_HEADERS: 'appservice,oauth' }, 'IDENTITY_HEADERS: expected a comma list of appservice, forwarded, or none (got "appservice,oauth")'],
    ['none mixed with a set', { IDENTITY_HEADERS: 'none,forwarded' }, 'IDENTITY_HEADERS: expected a comma list of appservice, forwarded, or none (got "none,forwarded")'],
    ['a short HS256 secret', { UPSTREAM_JWT_KEY: 'short-secret' }, 'UPSTREAM_JWT_KEY: a shared secret (HS256) needs at least 32 characters (got 12); or give an RSA private key in PEM for RS256'],
    ['a broken PEM', { UPSTREAM_JWT_KEY: '-----BEGIN PRIVATE KEY-----\nnot-base64\n-----END PRIVATE KEY-----' }, 'UPSTREAM_JWT_KEY: not a readable private key; expected an RSA private key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) for RS256'],
    ['an EC key', { UPSTREAM_JWT_KEY: pem('ec') }, 'UPSTREAM_JWT_KEY: a ec key; RS256 needs an RSA private key'],
    ['a 1024-bit RSA key', { UPSTREAM_JWT_KEY: pem('rsa', 1024) }, 'UPSTREAM_JWT_KEY: the RSA key has 1024 bits; at least 2048 are required'],
  ])('refuses %s with an exact message', (_name, env, message) => {
    expect(problemsOf({ ...valid, ...env })).toEqual([message]);
  });

  it('issue 14 item 5: reads UPSTREAM_FORWARD_HEADERS (names and prefixes, lower case, once each)', () => {
    const g = parseConfig({ ...valid, UPSTREAM_URL: 'http://backend:8080', UPSTREAM_FORWARD_HEADERS: 'X-Tenant-Hint, x-tenant-hint,X-Custom-*' }).gateway;
    expect(g.forwardHeaders).toEqual(['x-tenant-hint', 'x-custom-*']);
  });

  it('reports every gateway problem at once and never prints the key', () => {
    const problems = problemsOf({ ...valid, UPSTREAM_URL: 'ftp://x', PASS_COOKIES: 'sure', UPSTREAM_JWT_KEY: 'tiny-secret-value' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('tiny-secret-value');
  });
});
