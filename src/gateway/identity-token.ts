import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import type { GatewayConfig } from '../config.js';
import type { SessionUser } from '../auth/session-user.js';
import { overageClaims } from './identity-headers.js';

/** Lifetime of X-MHA-Identity: long enough for one request to cross the network, too short to replay later. */
export const IDENTITY_TOKEN_TTL_SECONDS = 60;

/**
 * The request a token is good for: the method and the path the gate judged (no query), exactly as the
 * backend receives them. A backend that compares them with its own request cannot be handed a token fetched
 * for another path (an /auth/check answer for /mha/ replayed against /mha/admin/...) or another method.
 */
export interface RequestBinding {
  /** Undefined when the proxy did not say (then the claim is absent and a verifying backend refuses). */
  readonly method: string | undefined;
  readonly path: string;
}

// An HTTP method is an RFC 9110 token; anything else a proxy hands us is not put into a signed claim.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

export interface IdentitySigner {
  readonly alg: 'HS256' | 'RS256';
  /**
   * A short-lived JWT naming the user and bound to one request (`mha_method`, `mha_path`), for the
   * X-MHA-Identity header. With `overage` (the Graph endpoint) the groups are left out and Entra's overage
   * claims name where to read them.
   */
  sign(user: SessionUser, binding: RequestBinding, overage?: string): Promise<string>;
  /** The public key set a backend verifies RS256 tokens with (undefined for HS256: the secret is shared). */
  jwks(): Promise<{ readonly keys: readonly JWK[] } | undefined>;
}

/**
 * Signs X-MHA-Identity so a backend can prove a header came from this server and not from a client that
 * reached it directly. `iss` is BASE_URL, `aud` the upstream's origin (BASE_URL when there is none, as with
 * /auth/check), `sub` the user's oid, `jti` unique, 60 s of life, and the request it was made for.
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
    async sign(user, binding, overage) {
      const kid = (await publicJwk)?.kid;
      const now = Math.floor(clock() / 1000);
      return new SignJWT({
        tid: user.tid,
        oid: user.oid,
        ...(user.name ? { name: user.name } : {}),
        ...(user.preferred_username ? { preferred_username: user.preferred_username } : {}),
        ...(user.email ? { email: user.email } : {}),
        roles: [...user.roles],
        ...(overage ? overageClaims(overage) : { groups: [...user.groups] }),
        ...(binding.method !== undefined && METHOD.test(binding.method) ? { mha_method: binding.method } : {}),
        mha_path: binding.path,
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
