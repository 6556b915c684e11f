/**
 * Hostile mode for the Entra emulator: per test, the emulator misbehaves in one chosen way, so the security
 * suite (test/security/) can prove the app refuses it. The real oidc-provider still answers every request;
 * a rule then rewrites (or replaces, or withholds) that answer on the way out. Rules exist for the three
 * endpoints the app calls server-to-server: discovery, JWKS and token.
 *
 * Forging needs the emulator's own private signing key, so the emulator hands it over at start; a second
 * ("rotated") key is generated here for key-rotation cases. Development and tests only, like the emulator.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { base64url, CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export type Json = Record<string, unknown>;

/** What a rule makes the endpoint answer instead of the provider's real answer. */
export type Outcome =
  /** Send this JSON (status 200 unless given). */
  | { readonly json: unknown; readonly status?: number }
  /** Send this raw body (malformed JSON, HTML error pages, ...). */
  | { readonly status: number; readonly body: string; readonly contentType?: string }
  /** Never answer: the connection stays open until the client gives up (or the emulator closes). */
  | 'hang'
  /** Leave the provider's answer untouched. */
  | 'pass';

/** A rule sees the provider's real JSON answer and decides what the client gets. */
export type Rule = (real: Json) => Outcome | Promise<Outcome>;

export interface HostileRules {
  readonly discovery?: Rule;
  readonly jwks?: Rule;
  readonly token?: Rule;
}

export interface ForgeOptions {
  /** `RS256` with the emulator's key (default), `rotated` RS256 with the second key, `none`, or `HS256` keyed with `hmacSecret`. */
  readonly alg?: 'RS256' | 'none' | 'HS256';
  readonly key?: 'current' | 'rotated';
  /** The kid header: the signing key's kid by default, `null` for none, or any string. */
  readonly kid?: string | null;
  readonly hmacSecret?: string;
  /** Flip bits in the signature after signing. */
  readonly corruptSignature?: boolean;
}

export interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly kid: string;
}

export interface Hostile {
  /** Replaces the active rules (an empty object restores normal behaviour). */
  set(rules: HostileRules): void;
  reset(): void;
  /** The emulator's current signing key id. */
  readonly kid: string;
  /** The public JWK of the second key, for a JWKS that "rotates" to it. */
  rotatedPublicJwk(): Promise<JWK>;
  /** Signs arbitrary claims as the emulator would (or as an attacker could), per `options`. */
  sign(claims: Json, options?: ForgeOptions): Promise<string>;
  /** The claims of a compact JWT, unverified (the emulator's own token). */
  claimsOf(jwt: string): Json;
  /** A token rule that re-signs the real id_token after `edit` changed its claims. */
  forgeIdToken(edit?: (claims: Json) => Json, options?: ForgeOptions): Rule;
  /** Express middleware mounted by the emulator in front of oidc-provider. */
  middleware(paths: { discovery: readonly string[]; jwks: readonly string[]; token: readonly string[] }): (req: Request, res: Response, next: NextFunction) => void;
}

export function createHostile(current: SigningKey): Hostile {
  let rules: HostileRules = {};
  let rotated: Promise<{ privateKey: CryptoKey; publicJwk: JWK }> | undefined;

  function rotatedKey() {
    rotated ??= (async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const kid = `rotated-${createHash('sha256').update(JSON.stringify(await exportJWK(pair.publicKey))).digest('base64url').slice(0, 16)}`;
      return { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
    })();
    return rotated;
  }

  async function sign(claims: Json, options: ForgeOptions = {}): Promise<string> {
    const alg = options.alg ?? 'RS256';
    const payload = new TextEncoder().encode(JSON.stringify(claims));
    if (alg === 'none') {
      return `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(payload)}.`;
    }
    let key: CryptoKey | Uint8Array;
    let defaultKid: string;
    if (alg === 'HS256') {
      key = new TextEncoder().encode(options.hmacSecret ?? '');
      defaultKid = current.kid;
    } else if (options.key === 'rotated') {
      const r = await rotatedKey();
      key = r.privateKey;
      defaultKid = String(r.publicJwk.kid);
    } else {
      key = current.privateKey;
      defaultKid = current.kid;
    }
    const kid = options.kid === undefined ? defaultKid : options.kid;
    const jws = await new CompactSign(payload).setProtectedHeader({ alg, typ: 'JWT', ...(kid === null ? {} : { kid }) }).sign(key);
    return options.corruptSignature ? corrupt(jws) : jws;
  }

  function claimsOf(jwt: string): Json {
    const payload = jwt.split('.')[1] ?? '';
    return JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Json;
  }

  return {
    set(next) {
      rules = { ...next };
    },
    reset() {
      rules = {};
    },
    kid: current.kid,
    async rotatedPublicJwk() {
      return (await rotatedKey()).publicJwk;
    },
    sign,
    claimsOf,
    forgeIdToken(edit = (c) => c, options = {}) {
      return async (real) => {
        const idToken = real['id_token'];
        if (typeof idToken !== 'string') return 'pass';
        return { json: { ...real, id_token: await sign(edit(claimsOf(idToken)), options) } };
      };
    },
    middleware(paths) {
      const byPath = new Map<string, keyof HostileRules>(
        (['discovery', 'jwks', 'token'] as const).flatMap((which) => paths[which].map((path) => [path, which] as const)),
      );
      return function hostileMode(req, res, next) {
        const which = byPath.get(req.path);
        const rule = which ? rules[which] : undefined;
        if (!rule) return next();
        interceptJson(res, rule);
        next();
      };
    },
  };
}

/**
 * Lets the provider write its answer, holds it back, and sends what the rule says instead. oidc-provider
 * (Koa) sets headers and then calls `res.end(body)` once, so nothing has reached the socket yet when the
 * rule runs.
 */
function interceptJson(res: Response, rule: Rule): void {
  const chunks: Buffer[] = [];
  const originalWrite = res.write.bind(res);
  const originalEnd = res.end.bind(res);
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
  };
  res.write = ((chunk: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    return true;
  }) as Response['write'];
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    res.write = originalWrite;
    res.end = originalEnd;
    const text = Buffer.concat(chunks).toString('utf8');
    let real: Json = {};
    try {
      real = JSON.parse(text) as Json;
    } catch {
      // Not JSON (an error page): rules still run and see an empty object.
    }
    Promise.resolve()
      .then(() => rule(real))
      .then((outcome) => {
        if (outcome === 'hang') return;
        if (outcome === 'pass') return void originalEnd(text);
        const status = outcome.status ?? 200;
        const body = 'json' in outcome ? JSON.stringify(outcome.json) : outcome.body;
        const contentType = 'json' in outcome ? 'application/json; charset=utf-8' : (outcome.contentType ?? 'application/json; charset=utf-8');
        res.statusCode = status;
        res.setHeader('Content-Type', contentType);
        res.setHeader('Content-Length', Buffer.byteLength(body));
        originalEnd(body);
      })
      .catch((err: unknown) => {
        res.statusCode = 500;
        res.removeHeader('Content-Length');
        originalEnd(`hostile rule failed: ${String(err)}`);
      });
    return res;
  }) as Response['end'];
}

/** Changes one character in the middle of the signature: same length, different bytes. */
function corrupt(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const sig = jws.slice(dot + 1);
  const i = Math.floor(sig.length / 2);
  const replacement = sig[i] === 'A' ? 'B' : 'A';
  return `${jws.slice(0, dot + 1)}${sig.slice(0, i)}${replacement}${sig.slice(i + 1)}`;
}
