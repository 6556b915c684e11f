import { createHash, createPrivateKey, randomUUID, sign, X509Certificate, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as oauth from 'oauth4webapi';

/**
 * How the app proves itself to Entra's token endpoint: exactly one of a client secret, a certificate
 * (private_key_jwt, as Entra wants it: x5t#S256 and x5t headers), or a federated token file (workload
 * identity: AKS mounts a fresh token every hour, so the file is re-read on every use).
 */
export type ClientCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | {
      readonly kind: 'certificate';
      readonly path: string;
      readonly alg: 'PS256' | 'RS256';
      readonly privateKey: KeyObject;
      /** base64url SHA-256 / SHA-1 of the certificate's DER: the thumbprints Entra matches uploads by. */
      readonly x5tS256: string;
      readonly x5t: string;
      readonly notAfter: string;
    }
  | { readonly kind: 'assertion_file'; readonly path: string };

export type CredentialEnv = (name: string) => string | undefined;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Reads the credential variables; every problem names its variable and never echoes key material. */
export function parseClientCredential(value: CredentialEnv, problems: string[], now: Date = new Date()): ClientCredential | undefined {
  const secret = value('ENTRA_CLIENT_SECRET');
  const certPath = value('ENTRA_CLIENT_CERTIFICATE_PATH');
  const keyPath = value('ENTRA_CLIENT_KEY_PATH');
  const assertionPath = value('ENTRA_CLIENT_ASSERTION_FILE');
  const given = [secret && 'ENTRA_CLIENT_SECRET', certPath && 'ENTRA_CLIENT_CERTIFICATE_PATH', assertionPath && 'ENTRA_CLIENT_ASSERTION_FILE'].filter(Boolean);
  if (keyPath && !certPath) problems.push('ENTRA_CLIENT_KEY_PATH: set together with ENTRA_CLIENT_CERTIFICATE_PATH (the certificate uploaded to Entra)');
  if (given.length > 1) {
    problems.push(`ENTRA_CLIENT_SECRET: set exactly one credential, not ${given.join(' and ')}`);
    return undefined;
  }
  if (given.length === 0) return undefined; // The "required" message is the caller's (it names the secret).
  if (secret) return { kind: 'secret', secret };
  if (assertionPath) {
    const problem = readable(assertionPath);
    if (problem) problems.push(`ENTRA_CLIENT_ASSERTION_FILE: ${problem} (${assertionPath})`);
    return { kind: 'assertion_file', path: assertionPath };
  }

  const algRaw = (value('ENTRA_CLIENT_ASSERTION_ALG') ?? 'PS256').toUpperCase();
  if (algRaw !== 'PS256' && algRaw !== 'RS256') problems.push(`ENTRA_CLIENT_ASSERTION_ALG: expected PS256 or RS256 (got "${algRaw}")`);
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(certPath!, 'utf8');
    keyPem = keyPath ? readFileSync(keyPath, 'utf8') : certPem;
  } catch (err) {
    problems.push(`${keyPath && !readable(certPath!) ? 'ENTRA_CLIENT_KEY_PATH' : 'ENTRA_CLIENT_CERTIFICATE_PATH'}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certPem)?.[0];
  let cert: X509Certificate | undefined;
  try {
    cert = certBlock ? new X509Certificate(certBlock) : undefined;
  } catch {
    cert = undefined;
  }
  if (!cert) {
    problems.push('ENTRA_CLIENT_CERTIFICATE_PATH: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file; use the same certificate you uploaded to Entra');
    return undefined;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    problems.push(
      `${keyPath ? 'ENTRA_CLIENT_KEY_PATH' : 'ENTRA_CLIENT_CERTIFICATE_PATH'}: no readable unencrypted private key (PEM) in the file${keyPath ? '' : '; put the key in the same file or set ENTRA_CLIENT_KEY_PATH'}`,
    );
    return undefined;
  }
  if (privateKey.asymmetricKeyType !== 'rsa') problems.push('ENTRA_CLIENT_CERTIFICATE_PATH: Entra needs an RSA key for client certificates');
  else if (!cert.checkPrivateKey(privateKey)) problems.push('ENTRA_CLIENT_CERTIFICATE_PATH: the private key does not belong to the certificate');
  if (new Date(cert.validTo) < now) problems.push(`ENTRA_CLIENT_CERTIFICATE_PATH: the certificate expired on ${new Date(cert.validTo).toISOString()}; upload a new one to Entra`);
  return {
    kind: 'certificate',
    path: certPath!,
    alg: algRaw === 'RS256' ? 'RS256' : 'PS256',
    privateKey,
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** A line for the start-up log: which credential, never its value. */
export function describeCredential(c: ClientCredential): Record<string, string> {
  if (c.kind === 'secret') return { credential: 'client secret', length: String(c.secret.length) };
  if (c.kind === 'certificate') return { credential: `certificate (${c.alg})`, path: c.path, x5tS256: c.x5tS256, notAfter: c.notAfter };
  return { credential: 'federated token file (workload identity)', path: c.path };
}

/** The token-endpoint authentication for oauth4webapi / openid-client. */
export function clientAuthFor(c: ClientCredential, clientId: string, clock: () => number = Date.now): oauth.ClientAuth {
  if (c.kind === 'secret') {
    return (_as, _client, body) => {
      body.set('client_id', clientId);
      body.set('client_secret', c.secret);
    };
  }
  if (c.kind === 'assertion_file') {
    return (_as, _client, body) => {
      // Re-read every time: the platform rotates the file underneath us (AKS: hourly, valid 24 h).
      const assertion = readFileSync(c.path, 'utf8').trim();
      body.set('client_id', clientId);
      body.set('client_assertion_type', ASSERTION_TYPE);
      body.set('client_assertion', assertion);
    };
  }
  return (as, _client, body) => {
    const now = Math.floor(clock() / 1000);
    const header = { alg: c.alg, typ: 'JWT', 'x5t#S256': c.x5tS256, x5t: c.x5t };
    // Entra wants aud = the token endpoint; short-lived and single-use (jti).
    const payload = { iss: clientId, sub: clientId, aud: as.token_endpoint, jti: randomUUID(), iat: now, nbf: now, exp: now + 300 };
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: c.privateKey,
      ...(c.alg === 'PS256' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {}),
    }).toString('base64url');
    body.set('client_id', clientId);
    body.set('client_assertion_type', ASSERTION_TYPE);
    body.set('client_assertion', `${input}.${signature}`);
  };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function readable(path: string): string | undefined {
  try {
    readFileSync(path);
    return undefined;
  } catch (err) {
    return `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}
