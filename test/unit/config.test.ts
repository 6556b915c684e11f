import { describe, expect, it } from 'vitest';
import { parseConfig, redactedConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const SECRET = 'abc~DEF.ghi_jkl-mno123456789pqrstuvwxyz';
const valid: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: SECRET,
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

describe('parseConfig', () => {
  it('derives the Entra endpoints and defaults from the three values', () => {
    const c = parseConfig(valid);
    expect(c.port).toBe(3000);
    expect(c.baseUrl).toBe('http://localhost:3000');
    expect(c.redirectUri).toBe('http://localhost:3000/auth/callback');
    expect(c.postLogoutRedirectUri).toBe('http://localhost:3000/');
    expect(c.entra.authority).toBe('https://login.microsoftonline.com/4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71/v2.0');
    expect(c.entra.discoveryUrl.href).toBe(
      'https://login.microsoftonline.com/4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71/v2.0/.well-known/openid-configuration',
    );
    expect(c.session.cookieName).toBe('mha.sid');
    expect(c.session.secure).toBe(false);
    expect(c.session.idleTimeoutMs).toBe(8 * 3600_000);
    expect(c.session.absoluteTimeoutMs).toBe(24 * 3600_000);
    expect(c.trustProxy).toBe(0);
    expect(c.logLevel).toBe('info');
    expect(Object.isFrozen(c) && Object.isFrozen(c.entra)).toBe(true);
  });

  it('uses the __Host- cookie and Secure flag when BASE_URL is https', () => {
    const c = parseConfig({ ...valid, BASE_URL: 'https://mha.example.com', TRUST_PROXY: '1', SESSION_SECRET: 'x'.repeat(32) });
    expect(c.session.secure).toBe(true);
    expect(c.session.cookieName).toBe('__Host-mha.sid');
    expect(c.redirectUri).toBe('https://mha.example.com/auth/callback');
  });

  it('accepts a verified domain as the tenant and a rotating list of session secrets', () => {
    const c = parseConfig({ ...valid, ENTRA_TENANT_ID: 'contoso.onmicrosoft.com', SESSION_SECRET: `${'a'.repeat(32)},${'b'.repeat(40)}` });
    expect(c.entra.tenantId).toBe('contoso.onmicrosoft.com');
    expect(c.session.secrets).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
  });

  it.each<[string, Env, string]>([
    ['missing tenant', { ...valid, ENTRA_TENANT_ID: undefined }, "ENTRA_TENANT_ID: required; the Directory (tenant) ID from the app's Overview page in Entra (a GUID)"],
    ['malformed tenant', { ...valid, ENTRA_TENANT_ID: 'not a tenant' }, 'ENTRA_TENANT_ID: it has white space inside: a tenant ID has none (a line break or a space from the copy?); expected the Directory (tenant) ID, a GUID of 8-4-4-4-12 hex digits like 00000000-0000-0000-0000-000000000000, or a verified domain like contoso.onmicrosoft.com (got "not a tenant")'],
    ['multi-tenant alias without an allow-list', { ...valid, ENTRA_TENANT_ID: 'common' }, 'ENTRA_ALLOWED_TENANTS: required when ENTRA_TENANT_ID is organizations or common; a comma list of the customer tenant IDs (GUIDs) allowed to sign in'],
    ['personal accounts only', { ...valid, ENTRA_TENANT_ID: 'consumers' }, 'ENTRA_TENANT_ID: "consumers" signs in personal Microsoft accounts only; use your Directory (tenant) ID GUID, or organizations with ENTRA_ALLOWED_TENANTS'],
    ['missing client id', { ...valid, ENTRA_CLIENT_ID: '' }, "ENTRA_CLIENT_ID: required; the Application (client) ID from the app's Overview page in Entra (a GUID)"],
    ['malformed client id', { ...valid, ENTRA_CLIENT_ID: 'my-app' }, 'ENTRA_CLIENT_ID: expected the Application (client) ID, a GUID (got "my-app")'],
    ['missing secret', { ...valid, ENTRA_CLIENT_SECRET: ' ' }, "ENTRA_CLIENT_SECRET: required; the client secret's Value from Certificates & secrets in Entra (or instead ENTRA_CLIENT_CERTIFICATE_PATH, or ENTRA_CLIENT_ASSERTION_FILE for workload identity)"],
    ['secret ID instead of value', { ...valid, ENTRA_CLIENT_SECRET: '11111111-2222-3333-4444-555555555555' }, 'ENTRA_CLIENT_SECRET: this looks like the secret\'s "Secret ID" (a GUID); copy the "Value" column instead (it is shown only once, right after creating the secret)'],
    ['http authority off loopback', { ...valid, ENTRA_AUTHORITY_HOST: 'http://login.example.com' }, 'ENTRA_AUTHORITY_HOST: must use https; plain http is allowed only for a loopback host such as the emulator (got "http://login.example.com")'],
    ['authority with a path', { ...valid, ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.com/tenant' }, 'ENTRA_AUTHORITY_HOST: expected only scheme, host and port, with no path, query or fragment (got "https://login.microsoftonline.com/tenant")'],
    ['BASE_URL not a URL', { ...valid, BASE_URL: 'mha.example.com' }, 'BASE_URL: expected an absolute URL, e.g. https://mha.example.com (got "mha.example.com")'],
    ['BASE_URL with a path', { ...valid, BASE_URL: 'https://mha.example.com/app', TRUST_PROXY: '1' }, 'BASE_URL: expected only scheme, host and port, with no path, query or fragment, e.g. https://mha.example.com (got "https://mha.example.com/app")'],
    ['https BASE_URL without a trusted proxy', { ...valid, BASE_URL: 'https://mha.example.com' }, 'TRUST_PROXY: BASE_URL is https, so a TLS-terminating proxy sits in front of the app; set TRUST_PROXY to the number of proxies (usually 1)'],
    ['port out of range', { ...valid, PORT: '70000' }, 'PORT: expected a whole number from 1 to 65535 (got "70000")'],
    ['TRUST_PROXY true', { ...valid, TRUST_PROXY: 'true' }, 'TRUST_PROXY: expected the number of reverse proxies in front of the app (0, 1, 2...), not "true"; "true" would let any client forge its address and scheme'],
    ['short session secret', { ...valid, SESSION_SECRET: 'short' }, 'SESSION_SECRET: the secret is 5 characters; at least 32 are required'],
    ['short rotated secret', { ...valid, SESSION_SECRET: `${'a'.repeat(32)},short` }, 'SESSION_SECRET: entry 2 of the comma list is 5 characters; at least 32 are required'],
    ['unknown log level', { ...valid, LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    ['idle longer than absolute', { ...valid, SESSION_IDLE_TIMEOUT_MINUTES: '100', SESSION_ABSOLUTE_TIMEOUT_MINUTES: '50' }, 'SESSION_IDLE_TIMEOUT_MINUTES: must not exceed SESSION_ABSOLUTE_TIMEOUT_MINUTES'],
  ])('reports %s with the exact message', (_name, env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('requires SESSION_SECRET and https in production', () => {
    expect(problemsOf({ ...valid, NODE_ENV: 'production', BASE_URL: 'http://mha.example.com' })).toEqual([
      'BASE_URL: must use https in production so the session cookie is Secure (got "http://mha.example.com"); terminate TLS at your proxy and set TRUST_PROXY',
      'SESSION_SECRET: required when NODE_ENV=production; at least 32 random characters (e.g. `openssl rand -base64 48`)',
    ]);
  });

  it('requires BASE_URL in production instead of guessing http://localhost, reported with the other problems', () => {
    const message =
      'BASE_URL: required when NODE_ENV=production; the public origin users type, e.g. https://mha.example.com (the redirect URI registered in Entra is BASE_URL/auth/callback)';
    expect(problemsOf({ ...valid, NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40) })).toEqual([message]);
    expect(problemsOf({ ...valid, NODE_ENV: 'production', BASE_URL: ' ' }).map((p) => p.split(':')[0])).toEqual(['BASE_URL', 'SESSION_SECRET']);
    // Outside production the local default stays: `npm run dev` and the tests need no BASE_URL.
    expect(parseConfig({ ...valid, NODE_ENV: 'development' }).baseUrl).toBe('http://localhost:3000');
    expect(parseConfig({ ...valid, NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), BASE_URL: 'http://127.0.0.1:3000' }).baseUrl).toBe('http://127.0.0.1:3000');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ PORT: 'x' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID', 'ENTRA_CLIENT_SECRET']);
  });

  it('never includes the client secret in messages, JSON or the redacted summary', () => {
    const c = parseConfig({ ...valid, SESSION_SECRET: 's'.repeat(40) });
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(JSON.stringify(c)).not.toContain('s'.repeat(40));
    expect(JSON.stringify(redactedConfig(c))).not.toContain(SECRET);
    expect(c.entra.clientSecret).toBe(SECRET);
    const err = (() => {
      try {
        parseConfig({ ...valid, ENTRA_CLIENT_ID: 'bad' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).not.toContain(SECRET);
  });
});

describe('issue 15 branding variables', () => {
  it('issue 15 branding: ORG_NAME, ORG_LOGO_URL, HELP_URL and PRIVACY_URL reach config.branding', () => {
    const c = parseConfig({
      ...valid,
      ORG_NAME: ' Contoso Ltd ',
      ORG_LOGO_URL: 'https://cdn.contoso.example/brand/logo.svg',
      HELP_URL: 'https://help.contoso.example/sign-in',
      PRIVACY_URL: '/privacy',
    });
    expect(c.branding).toEqual({
      orgName: 'Contoso Ltd',
      logoUrl: 'https://cdn.contoso.example/brand/logo.svg',
      helpUrl: 'https://help.contoso.example/sign-in',
      privacyUrl: '/privacy',
    });
    expect(parseConfig({ ...valid, ORG_LOGO_URL: '/assets/logo.png' }).branding).toEqual({ logoUrl: '/assets/logo.png' });
    expect(parseConfig(valid).branding).toEqual({});
  });

  it('issue 15 branding: clear messages for a bad value, and a URL\'s credentials never echoed', () => {
    expect(
      problemsOf({
        ...valid,
        ORG_NAME: 'x'.repeat(101),
        ORG_LOGO_URL: 'http://cdn.contoso.example/logo.svg',
        HELP_URL: 'https://alice:hunter2@help.contoso.example/',
        PRIVACY_URL: 'javascript:alert(1)',
      }),
    ).toEqual([
      'ORG_NAME: expected the organization\'s display name, one line of at most 100 characters (got 101 characters)',
      'ORG_LOGO_URL: must use https, not http; expected an https URL of the logo image or a path under /assets/ (a file in public/), e.g. https://contoso.example/logo.svg or /assets/logo.svg (got "http://cdn.contoso.example/logo.svg")',
      'HELP_URL: must not contain a user name or password; expected an https URL or a path on this site, e.g. https://help.contoso.example/sign-in (got "https://***@help.contoso.example/")',
      'PRIVACY_URL: must use https, not javascript; expected an https URL or a path on this site, e.g. https://contoso.example/privacy (got "javascript:alert(1)")',
    ]);
    expect(problemsOf({ ...valid, ORG_LOGO_URL: '/assets/../package.json' })[0]).toMatch(/^ORG_LOGO_URL: not a URL;/);
    expect(problemsOf({ ...valid, ORG_LOGO_URL: '/images/logo.svg' })[0]).toMatch(/^ORG_LOGO_URL: not a URL;/);
    expect(problemsOf({ ...valid, HELP_URL: '//evil.example/help' })[0]).toMatch(/^HELP_URL: not a URL;/);
    expect(problemsOf({ ...valid, ORG_NAME: 'Contoso\nLtd' })[0]).toMatch(/^ORG_NAME: /);
    expect(problemsOf({ ...valid, ORG_LOGO_URL: 'https://u:p@cdn.contoso.example/logo.svg' }).join('\n')).not.toContain(':p@');
  });

  it('issue 15 branding: the status page lists the variables as set', async () => {
    const { configRows } = await import('../../src/mha/admin-status-view.js');
    const rows = configRows(parseConfig({ ...valid, ORG_NAME: 'Contoso', HELP_URL: '/help' }));
    expect(rows.filter((r) => ['ORG_NAME', 'ORG_LOGO_URL', 'HELP_URL', 'PRIVACY_URL'].includes(r.name))).toEqual([
      { name: 'ORG_NAME', value: 'Contoso' },
      { name: 'ORG_LOGO_URL', value: undefined },
      { name: 'HELP_URL', value: '/help' },
      { name: 'PRIVACY_URL', value: undefined },
    ]);
  });

  it('issue 15 branding: plain http only on a loopback host (development)', () => {
    expect(parseConfig({ ...valid, ORG_LOGO_URL: 'http://127.0.0.1:8081/logo.svg' }).branding.logoUrl).toBe('http://127.0.0.1:8081/logo.svg');
  });
});
