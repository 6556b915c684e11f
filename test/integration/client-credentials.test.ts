import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientAuthFor, parseClientCredential } from '../../src/auth/client-credential.js';
import { parseConfig } from '../../src/config.js';
import { EMULATOR_CLIENT_ID } from '../../src/dev/emulator.js';
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
/** The emulator's app registration holds `good`'s public key (the uploaded certificate). */
async function start(env: HarnessOptions['env']): Promise<Harness> {
  h = await startHarness({ env: { ENTRA_CLIENT_SECRET: undefined, ...env }, client: { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [good.jwk] } } });
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

  it('refuses the sign-in with a friendly page when the certificate is not the one uploaded to Entra', async () => {
    const h = await start({ ENTRA_CLIENT_CERTIFICATE_PATH: other.both });
    const { res } = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.text()).not.toMatch(/at .*\.js:\d+/);
    expect(h.logs.some((l) => l['event'] === 'signin.failure' && l['error'] === 'invalid_client')).toBe(true);
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

  it('reads the token file on every sign-in: a fresh file works, an expired one is refused, a rotated one works again', async () => {
    const file = join(dir, 'azure-identity-token');
    writeFileSync(file, 'placeholder');
    const h = await start({ ENTRA_CLIENT_ASSERTION_FILE: file });
    const tokenEndpoint = h.oidc.configuration().serverMetadata().token_endpoint!;

    writeAssertion(file, tokenEndpoint, 3600);
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon')).res.status).toBe(200);

    writeAssertion(file, tokenEndpoint, -600);
    const expired = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(expired.res.status).toBe(400);
    expect(await expired.res.text()).not.toMatch(/at .*\.js:\d+/);

    writeAssertion(file, tokenEndpoint, 3600);
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon')).res.status).toBe(200);
  });

  it('refuses to start when the token file cannot be read', () => {
    expect(() =>
      parseConfig({ NODE_ENV: 'test', ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71', ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID, ENTRA_CLIENT_ASSERTION_FILE: join(dir, 'nope') }),
    ).toThrow(/ENTRA_CLIENT_ASSERTION_FILE: cannot read the file \(ENOENT\)/);
  });
});
