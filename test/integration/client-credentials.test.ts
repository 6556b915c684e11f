import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { clientAuthFor, parseClientCredential } from '../../src/auth/client-credential.js';
import { parseConfig } from '../../src/config.js';
import { DEFAULT_USERS, EMULATOR_CLIENT_ID, FABRIKAM_TENANT_ID, OTHER_TENANT_USERS } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';

let dir: string;
/** A self-signed RSA certificate and key, as an admin would create and upload to the app registration. */
function makeCertificate(name: string): { cert: string; key: string; both: string; jwk: Record<string, unknown> } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  const both = join(dir, `${name}.pem`);
  writeFileSync(both, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  const jwk = createPublicKey(readFileSync(key, 'utf8')).export({ format: 'jwk' }) as Record<string, unknown>;
  return { cert, key, both, jwk };
}

let good: ReturnType<typeof makeCertificate>;
let other: ReturnType<typeof makeCertificate>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mha-creds-'));
  good = makeCertificate('good');
  other = makeCertificate('other');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
/** The emulator's app registration holds `good` (the uploaded certificate: its key and thumbprint). */
async function start(env: HarnessOptions['env'], options: Omit<HarnessOptions, 'env' | 'client'> = {}): Promise<Harness> {
  h = await startHarness({
    ...options,
    env: { ENTRA_CLIENT_SECRET: undefined, ...env },
    client: { token_endpoint_auth_method: 'private_key_jwt', certificates: [readFileSync(good.cert, 'utf8')] },
  });
  return h;
}

describe('certificate credential (private_key_jwt)', () => {
  it.each([
    ['one PEM with certificate and key, PS256', () => ({ ENTRA_CLIENT_CERTIFICATE_PATH: good.both })],
    ['separate certificate and key files, RS256', () => ({ ENTRA_CLIENT_CERTIFICATE_PATH: good.cert, ENTRA_CLIENT_KEY_PATH: good.key, ENTRA_CLIENT_ASSERTION_ALG: 'RS256' })],
  ])('signs in with %s, and says which credential at start', async (_name, env) => {
    const h = await start(env());
    const { res } = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(res.status).toBe(200);
    const { redactedConfig } = await import('../../src/config.js');
    expect(JSON.stringify(redactedConfig(h.config))).toMatch(/"credential":"certificate \((PS|RS)256\)"/);
    expect(JSON.stringify(redactedConfig(h.config))).not.toContain('PRIVATE KEY');
  });

  it('refuses the sign-in with the AADSTS700027 page when the certificate is not the one uploaded to Entra', async () => {
    const h = await start({ ENTRA_CLIENT_CERTIFICATE_PATH: other.both });
    const { res } = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('AADSTS700027');
    expect(page).not.toMatch(/at .*\.js:\d+/);
    expect(page).not.toContain('PRIVATE KEY');
    expect(h.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ reason: 'entra_error', aadsts: '700027', error: 'invalid_client' }]);
  });

  it('is refused by the emulator, as by Entra, when x5t#S256 names a certificate that is not uploaded, even if the key matches', async () => {
    const h = await start({ ENTRA_CLIENT_CERTIFICATE_PATH: good.both });
    const problems: string[] = [];
    const credential = parseClientCredential((n) => ({ ENTRA_CLIENT_CERTIFICATE_PATH: good.both })[n as 'ENTRA_CLIENT_CERTIFICATE_PATH'], problems)!;
    const otherThumbprint = parseClientCredential((n) => ({ ENTRA_CLIENT_CERTIFICATE_PATH: other.both })[n as 'ENTRA_CLIENT_CERTIFICATE_PATH'], problems)!;
    expect(problems).toEqual([]);
    const tokenRequest = async (c: typeof credential) => {
      const cfg = new client.Configuration(h.oidc.configuration().serverMetadata(), EMULATOR_CLIENT_ID, undefined, clientAuthFor(c, EMULATOR_CLIENT_ID));
      client.allowInsecureRequests(cfg);
      return client.clientCredentialsGrant(cfg, { scope: `${h.emulator.authorityHost}/.default` });
    };
    // Signed by the uploaded certificate's key, but the header names another certificate's thumbprint.
    const forged = { ...credential, x5tS256: (otherThumbprint as typeof credential & { x5tS256: string }).x5tS256 } as typeof credential;
    const refused = await tokenRequest(forged).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect((refused as client.ResponseBodyError).cause).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
    expect((await tokenRequest(credential)).access_token).toEqual(expect.any(String));
  });

  it('puts x5t#S256 and x5t of the certificate in the assertion header, aud = token endpoint', () => {
    const problems: string[] = [];
    const credential = parseClientCredential((n) => ({ ENTRA_CLIENT_CERTIFICATE_PATH: good.both })[n as 'ENTRA_CLIENT_CERTIFICATE_PATH'], problems)!;
    expect(problems).toEqual([]);
    const body = new URLSearchParams();
    void clientAuthFor(credential, EMULATOR_CLIENT_ID)({ issuer: 'https://login.example/t/v2.0', token_endpoint: 'https://login.example/t/oauth2/v2.0/token' }, { client_id: EMULATOR_CLIENT_ID }, body, new Headers());
    const [header, payload] = body.get('client_assertion')!.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    const der = Buffer.from(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END/.exec(readFileSync(good.cert, 'utf8'))![1]!.replace(/\s/g, ''), 'base64');
    expect(header).toMatchObject({ alg: 'PS256', typ: 'JWT', 'x5t#S256': createHash('sha256').update(der).digest('base64url'), x5t: createHash('sha1').update(der).digest('base64url') });
    expect(payload).toMatchObject({ iss: EMULATOR_CLIENT_ID, sub: EMULATOR_CLIENT_ID, aud: 'https://login.example/t/oauth2/v2.0/token' });
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(body.has('client_secret')).toBe(false);
  });

  it('refuses to start on a bad certificate set-up, naming the variable and printing no key', () => {
    const base = { NODE_ENV: 'test', ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71', ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID };
    const mismatched = join(dir, 'mismatched.pem');
    writeFileSync(mismatched, readFileSync(good.cert, 'utf8') + readFileSync(other.key, 'utf8'));
    const keyOnly = join(dir, 'key-only.pem');
    writeFileSync(keyOnly, readFileSync(good.key, 'utf8'));
    const certOnly = join(dir, 'cert-only.pem');
    writeFileSync(certOnly, readFileSync(good.cert, 'utf8'));
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: mismatched }, /ENTRA_CLIENT_CERTIFICATE_PATH: the private key does not belong to the certificate/],
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: keyOnly }, /ENTRA_CLIENT_CERTIFICATE_PATH: no PEM certificate/],
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: certOnly }, /ENTRA_CLIENT_CERTIFICATE_PATH: no readable unencrypted private key/],
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: join(dir, 'missing.pem') }, /ENTRA_CLIENT_CERTIFICATE_PATH: cannot read the file \(ENOENT\)/],
      [{ ENTRA_CLIENT_KEY_PATH: good.key }, /ENTRA_CLIENT_KEY_PATH: set together with ENTRA_CLIENT_CERTIFICATE_PATH/],
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: good.both, ENTRA_CLIENT_SECRET: 'a-secret-value' }, /set exactly one credential, not ENTRA_CLIENT_SECRET and ENTRA_CLIENT_CERTIFICATE_PATH/],
      [{ ENTRA_CLIENT_CERTIFICATE_PATH: good.both, ENTRA_CLIENT_ASSERTION_ALG: 'HS256' }, /ENTRA_CLIENT_ASSERTION_ALG: expected PS256 or RS256/],
    ];
    for (const [env, message] of cases) {
      let error: Error | undefined;
      try {
        parseConfig({ ...base, ...env });
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain('PRIVATE KEY');
    }
  });
});

describe('certificate credential with multi-tenant (ENTRA_TENANT_ID=organizations)', () => {
  const multiTenant = (path: string) => ({ ENTRA_CLIENT_CERTIFICATE_PATH: path, ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: FABRIKAM_TENANT_ID });

  it('signs in a user of an allowed tenant; the assertion\'s aud is the organizations token endpoint', async () => {
    const h = await start(multiTenant(good.both), { users: [...DEFAULT_USERS, ...OTHER_TENANT_USERS] });
    const tokenEndpoint = h.oidc.configuration().serverMetadata().token_endpoint!;
    expect(tokenEndpoint).toBe(`${h.emulator.authorityHost}/organizations/oauth2/v2.0/token`);
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'F.Fabrikam');
    expect(res.status).toBe(200);
    expect(h.emulator.hits.get('/organizations/oauth2/v2.0/token')).toBe(1);
    const me = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
    expect(await me.json()).toMatchObject({ tid: FABRIKAM_TENANT_ID });
  });

  it('refuses a certificate that is not uploaded with the AADSTS700027 page', async () => {
    const h = await start(multiTenant(other.both), { users: [...DEFAULT_USERS, ...OTHER_TENANT_USERS] });
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'F.Fabrikam');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS700027');
    expect(h.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ aadsts: '700027', error: 'invalid_client' }]);
    expect((await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });
});

describe('workload identity (ENTRA_CLIENT_ASSERTION_FILE)', () => {
  /** What the platform mounts: a JWT for the app, signed by the federated issuer (here: good's key). */
  function writeAssertion(path: string, tokenEndpoint: string, expiresInSeconds: number): void {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ iss: EMULATOR_CLIENT_ID, sub: EMULATOR_CLIENT_ID, aud: tokenEndpoint, jti: randomUUID(), iat: now - 60, exp: now + expiresInSeconds }),
    ).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(readFileSync(good.key, 'utf8'))).toString('base64url');
    writeFileSync(path, `${header}.${payload}.${signature}\n`);
  }

  it('reads the token file on every sign-in: a fresh file works, an expired one gets the AADSTS700024 page, a rotated one works again', async () => {
    const file = join(dir, 'azure-identity-token');
    writeFileSync(file, 'placeholder');
    // With the technical part shown, the page carries the table's title and steps for the code.
    const h = await start({ ENTRA_CLIENT_ASSERTION_FILE: file, SHOW_ERROR_DETAILS: 'true' });
    const tokenEndpoint = h.oidc.configuration().serverMetadata().token_endpoint!;

    writeAssertion(file, tokenEndpoint, 3600);
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon')).res.status).toBe(200);

    writeAssertion(file, tokenEndpoint, -600);
    const expired = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(expired.res.status).toBe(400);
    const page = await expired.res.text();
    expect(page).not.toMatch(/at .*\.js:\d+/);
    expect(page).toContain('<code>AADSTS700024</code>');
    expect(page).toContain('<h1 id="page-title">Sign-in to iLOGON_MHA is not set up correctly for your organization</h1>');
    expect(page).toContain('For administrators: The client assertion is not within its valid time range');
    expect(page).toContain('decode the middle part of the token in the file (base64url) and check that its exp lies in the future');
    expect(h.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ reason: 'entra_error', aadsts: '700024', error: 'invalid_client' }]);

    writeAssertion(file, tokenEndpoint, 3600);
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon')).res.status).toBe(200);
  });

  it('refuses to start when the token file cannot be read', () => {
    expect(() =>
      parseConfig({ NODE_ENV: 'test', ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71', ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID, ENTRA_CLIENT_ASSERTION_FILE: join(dir, 'nope') }),
    ).toThrow(/ENTRA_CLIENT_ASSERTION_FILE: cannot read the file \(ENOENT\)/);
  });
});
