/**
 * Property-based tests (fast-check): instead of a list of known payloads, thousands of generated inputs
 * biased towards the characters that break URL handling, query parsing and config messages.
 */
import { request as httpRequest } from 'node:http';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETURN_TO, sanitizeReturnTo } from '../../src/http/return-to.js';
import { parseConfig, redactedConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { startHarness, type Harness } from '../support/harness.js';
import { Browser } from './support.js';

/** Pieces that URL parsers and browsers treat specially, mixed with plain text. */
const URL_PIECES = [
  '/', '//', '\\', '.', '..', ':', '@', '?', '#', '%', '%2F', '%2f', '%5C', '%5c', '%2e', '%09', '%0a', '%0d', '%00', '%25',
  '\t', '\n', '\r', ' ', '\u0000', '\u00a0', '\u2028', '\u3002', '\uff0f', '\uff3c', 'evil.example', 'https:', 'http:', 'javascript:',
  'data:', 'mha', 'x', '=', '&', '[', ']', '__proto__', 'constructor', 'prototype', '\u{1F600}',
];
const urlish = fc.array(fc.oneof(fc.constantFrom(...URL_PIECES), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join(''));

const APP = 'https://app.example';

describe('returnTo sanitizing (property)', () => {
  it('never yields a location that leaves the site, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(urlish, fc.string(), fc.webUrl(), urlish.map((s) => `/${s}`)), (input) => {
        const out = sanitizeReturnTo(input);
        if (out === DEFAULT_RETURN_TO) return;
        expect(out.startsWith('/')).toBe(true);
        expect(out.startsWith('//')).toBe(false);
        expect(out).not.toMatch(/[\\\u0000-\u001f\u007f]/);
        // Resolve exactly as a browser resolves a Location header against our origin.
        expect(new URL(out, APP).origin).toBe(APP);
        // And what we return is stable: sanitizing it again changes nothing.
        expect(sanitizeReturnTo(out)).toBe(out);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws for non-string input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(typeof sanitizeReturnTo(input)).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('config parsing (property)', () => {
  const secretValue = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9~._-]{12,48}$/),
    fc.uuid(), // a Secret ID pasted by mistake must not be echoed either
    fc.string({ minLength: 12, maxLength: 40 }).filter((s) => s.trim().length >= 12),
  );
  const anyValue = fc.oneof(fc.constant(undefined), fc.constant(''), fc.string({ maxLength: 30 }), fc.uuid(), fc.constantFrom('0', '1', 'true', 'https://x.example', 'http://127.0.0.1:1', 'production'));
  const env = fc.record({
    ENTRA_CLIENT_SECRET: secretValue,
    SESSION_SECRET: fc.oneof(secretValue, fc.tuple(secretValue, secretValue).map(([a, b]) => `${a},${b}`)),
    ENTRA_TENANT_ID: fc.oneof(anyValue, fc.constant('4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71')),
    ENTRA_CLIENT_ID: fc.oneof(anyValue, fc.constant('0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f')),
    ENTRA_AUTHORITY_HOST: anyValue,
    BASE_URL: anyValue,
    PORT: anyValue,
    TRUST_PROXY: anyValue,
    LOG_LEVEL: anyValue,
    NODE_ENV: anyValue,
    SESSION_IDLE_TIMEOUT_MINUTES: anyValue,
    SESSION_ABSOLUTE_TIMEOUT_MINUTES: anyValue,
  });

  it('never prints a secret, in its error message or in anything derived from the parsed config', () => {
    fc.assert(
      fc.property(env, (e) => {
        const secrets = [e.ENTRA_CLIENT_SECRET.trim(), ...e.SESSION_SECRET.split(',').map((s) => s.trim())].filter((s) => s.length >= 12);
        // Only meaningful when the secret is not also an ordinary value elsewhere in the env.
        const others = Object.entries(e).filter(([k]) => !k.endsWith('SECRET')).map(([, v]) => String(v ?? ''));
        fc.pre(secrets.every((s) => !others.some((o) => o.includes(s) || s.includes(o.trim() || '\u0000'))));
        let printed: string;
        try {
          const config = parseConfig(e as Env);
          printed = [JSON.stringify(config), inspect(config, { depth: 10 }), JSON.stringify(redactedConfig(config)), String(config)].join('\n');
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          printed = [(err as Error).message, inspect(err, { depth: 10 }), JSON.stringify(err)].join('\n');
        }
        for (const s of secrets) expect(printed).not.toContain(s);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('query parsing on the live app (property)', () => {
  let h: Harness;
  let signedIn: string;
  beforeAll(async () => {
    h = await startHarness();
    const b = new Browser();
    await b.signIn(`${h.baseUrl}/auth/login`);
    signedIn = `mha.sid=${b.cookie(h.baseUrl, 'mha.sid')!}; mha.auth=${b.cookie(h.baseUrl, 'mha.auth')!}`;
  });
  afterAll(async () => {
    await h.close();
  });

  /** Raw GET with the query exactly as generated (only bytes Node refuses to send are percent-encoded). */
  function get(path: string, cookie?: string): Promise<number> {
    const safe = path.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
    const { port } = new URL(h.baseUrl);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: safe, agent: false, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

  it('answers every callback, login, logout and gated query with a handled status, and never pollutes Object.prototype', async () => {
    const before = prototypeKeys();
    const logsFrom = h.logs.length;
    const route = fc.constantFrom('/auth/callback', '/auth/login', '/auth/frontchannel-logout', '/mha/', '/api/me', '/auth/logout', '/');
    const query = fc.array(fc.tuple(urlish, urlish), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
    const special = fc.constantFrom(
      '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'state[]=a&code[]=b', 'state=a&state=a', 'error[]=x',
      'returnTo[__proto__][polluted]=1', 'sid[__proto__]=1', '%ff=%ff', 'state=%E0%A4%A', 'code=' + 'a'.repeat(20000),
    );
    await fc.assert(
      fc.asyncProperty(route, fc.oneof(query, special), fc.boolean(), async (path, q, withSession) => {
        const status = await get(`${path}?${q}`, withSession ? signedIn : undefined);
        expect(status, `${path}?${q.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
        expect(status, `${path}?${q.slice(0, 200)}`).toBeLessThan(500);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 600 },
    );
    expect(prototypeKeys()).toBe(before);
    expect(h.logs.slice(logsFrom).filter((l) => l['level'] === 'error' || l['level'] === 'fatal')).toEqual([]);
  }, 120_000);
});
