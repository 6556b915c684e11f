import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import type { GatewayConfig } from '../config.js';
import type { SessionUser } from '../auth/session-user.js';

/** Lifetime of X-MHA-Identity: long enough for one request to cross the network, too short to replay later. */
export const IDENTITY_TOKEN_TTL_SECONDS = 60;

export interface IdentitySigner {
  readonly alg: 'HS256' | 'RS256';
  /** A short-lived JWT naming the user, for the X-MHA-Identity header. */
  sign(user: SessionUser): Promise<string>;
  /** The public key set a backend verifies RS256 tokens with (undefined for HS256: the secret is shared). */
  jwks(): Promise<{ readonly keys: readonly JWK[] } | undefined>;
}

/**
 * Signs X-MHA-Identity so a backend can prove a header came from this server and not from a client that
 * reached it directly. `iss` is BASE_URL, `aud` the upstream's origin (BASE_URL when there is none, as with
 * /auth/check), `sub` the user's oid.
 */
export function createIdentitySigner(
  jwt: NonNullable<GatewayConfig['jwt']>,
  issuer: string,
  audience: string,
  clock: () => number = Date.now,
): IdentitySigner {
  const key: KeyObject | Uint8Array = jwt.alg === 'RS256' ? createPrivateKey(jwt.key) : new TextEncoder().encode(jwt.key);
  // The key id is the public key's RFC 7638 thumbprint, computed once.
  const publicJwk: Promise<JWK | undefined> =
    jwt.alg === 'RS256'
      ? exportJWK(createPublicKey(key as KeyObject)).then(async (k) => ({ ...k, kid: await calculateJwkThumbprint(k), alg: 'RS256', use: 'sig' }))
      : Promise.resolve(undefined);
  return {
    alg: jwt.alg,
    async jwks() {
      const k = await publicJwk;
      return k ? { keys: [k] } : undefined;
    },
    async sign(user) {
      const kid = (await publicJwk)?.kid;
      const now = Math.floor(clock() / 1000);
      return new SignJWT({
        tid: user.tid,
        oid: user.oid,
        ...(user.name ? { name: user.name } : {}),
        ...(user.preferred_username ? { preferred_username: user.preferred_username } : {}),
        ...(user.email ? { email: user.email } : {}),
        roles: [...user.roles],
        groups: [...user.groups],
      })
        .setProtectedHeader({ alg: jwt.alg, typ: 'JWT', ...(kid ? { kid } : {}) })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(user.oid)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + IDENTITY_TOKEN_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(key);
    },
  };
}
