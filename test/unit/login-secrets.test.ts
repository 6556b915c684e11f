import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { createLoginSecrets, pkceChallenge } from '../../src/auth/login-secrets.js';

describe('login secrets', () => {
  it('makes the S256 challenge exactly as openid-client does, and the RFC 7636 example', async () => {
    // RFC 7636, appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    for (let i = 0; i < 20; i++) {
      const { code_verifier, code_challenge } = createLoginSecrets();
      expect(code_challenge).toBe(await client.calculatePKCECodeChallenge(code_verifier));
    }
  });

  it('gives 43-character base64url values of 32 random bytes, all different', () => {
    const values = Array.from({ length: 200 }, () => createLoginSecrets()).flatMap((s) => [s.state, s.nonce, s.code_verifier]);
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values).size).toBe(values.length);
  });
});
