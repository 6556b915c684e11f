import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LoginSecrets {
  readonly state: string;
  readonly nonce: string;
  readonly code_verifier: string;
  /** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
  readonly code_challenge: string;
}

/**
 * The per-login values: state, nonce and the PKCE verifier, 32 random bytes each (base64url, 43
 * characters: what openid-client's randomState/randomNonce/randomPKCECodeVerifier make), and the S256
 * challenge. Made with node:crypto synchronously: openid-client's helpers go through WebCrypto, whose
 * digest is a job on libuv's thread pool, and each such hop cost more CPU than the hash itself
 * (docs/performance.md "Benchmark"). test/unit/login-secrets.test.ts checks the challenge against openid-client's.
 */
export function createLoginSecrets(): LoginSecrets {
  const bytes = randomBytes(96);
  const code_verifier = bytes.subarray(64, 96).toString('base64url');
  return {
    state: bytes.subarray(0, 32).toString('base64url'),
    nonce: bytes.subarray(32, 64).toString('base64url'),
    code_verifier,
    code_challenge: pkceChallenge(code_verifier),
  };
}

export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** What the login transaction keeps of a browser binding or a secret: its SHA-256, base64url. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compares two secrets without telling, by its timing, how much of them matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
