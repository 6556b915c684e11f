import { createPrivateKey } from 'node:crypto';
import { forwardEntryProblem } from '../gateway/forwarded-headers.js';
import { PATHS } from '../http/paths.js';
import type { Reader } from './reader.js';
import { IDENTITY_HEADER_SETS, type GatewayConfig, type IdentityHeaderSet } from './types.js';

/**
 * Gateway mode (an existing iLOGON_MHA backend behind the session gate) and /auth/check. The identity headers
 * and the signed token also serve /auth/check, so they are read whether or not an upstream is set.
 */
export const GATEWAY_VARIABLES = [
  'UPSTREAM_URL',
  'UPSTREAM_PATHS',
  'UPSTREAM_FORWARD_HEADERS',
  'UPSTREAM_TIMEOUT_MS',
  'PASS_COOKIES',
  'IDENTITY_HEADERS',
  'UPSTREAM_JWT_KEY',
  'AUTH_CHECK_URI_HEADER',
] as const;

// This server's own routes: a prefix covering them would hand sign-in itself to the upstream.
const RESERVED_PREFIXES = ['/auth', PATHS.assets, PATHS.healthz, PATHS.readyz];

export function readGateway(r: Reader, baseUrl: string): GatewayConfig {
  let upstreamUrl: string | undefined;
  const upstreamGiven = r.string('UPSTREAM_URL') !== undefined;
  const upstream = r.origin('UPSTREAM_URL', { hint: ": the backend's origin, e.g. http://mha-backend:8080" });
  if (upstream && upstream.origin === baseUrl) {
    r.problem('UPSTREAM_URL', `points at this server itself (BASE_URL ${baseUrl}); every request would loop. Use the backend's own address`);
  } else if (upstream) {
    upstreamUrl = upstream.origin;
  }

  const paths: string[] = [PATHS.mha];
  const pathEntries = onlyWithUpstream(r, 'UPSTREAM_PATHS', upstreamGiven);
  for (const entry of pathEntries) {
    const prefix = entry.replace(/\/+$/, '').toLowerCase();
    if (!/^(\/[A-Za-z0-9._~!$&'()*+=:@-]+)+$/.test(entry.replace(/\/+$/, '')) || /(^|\/)\.\.?(\/|$)/.test(prefix)) {
      r.problem('UPSTREAM_PATHS', `"${entry}" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")`);
    } else if (RESERVED_PREFIXES.some((p) => prefix === p || prefix.startsWith(`${p}/`) || p.startsWith(`${prefix}/`))) {
      r.problem('UPSTREAM_PATHS', `"${entry}" overlaps this server's own routes (${RESERVED_PREFIXES.join(', ')}); choose another prefix`);
    } else if (!paths.includes(prefix)) {
      paths.push(prefix);
    }
  }

  const forwardHeaders: string[] = [];
  for (const entry of onlyWithUpstream(r, 'UPSTREAM_FORWARD_HEADERS', upstreamGiven)) {
    const problem = forwardEntryProblem(entry);
    if (problem) r.problem('UPSTREAM_FORWARD_HEADERS', `${problem}; expected a comma list of your backend's own request headers, e.g. X-Tenant-Hint,X-Custom-*`);
    else if (!forwardHeaders.includes(entry.toLowerCase())) forwardHeaders.push(entry.toLowerCase());
  }

  const timeoutMs = r.int('UPSTREAM_TIMEOUT_MS', 30_000, 100, 600_000);
  const passCookies = r.bool('PASS_COOKIES', false);
  const headerSets = readHeaderSets(r);
  const jwt = readJwtKey(r);

  // Traefik's forwardAuth always sends X-Forwarded-Uri; the README's nginx snippet sets it too (and clears
  // X-Original-URI), so one default serves both.
  let authCheckUriHeader = 'x-forwarded-uri';
  const uriHeaderRaw = r.string('AUTH_CHECK_URI_HEADER');
  if (uriHeaderRaw !== undefined) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(uriHeaderRaw) || /^(host|cookie|authorization|content-length|transfer-encoding|connection)$/i.test(uriHeaderRaw)) {
      r.problem('AUTH_CHECK_URI_HEADER', `expected the header name your proxy puts the original URI in, e.g. X-Forwarded-Uri or X-Original-URI (got "${uriHeaderRaw}")`);
    } else {
      authCheckUriHeader = uriHeaderRaw.toLowerCase();
    }
  }

  return { upstreamUrl, paths, timeoutMs, passCookies, forwardHeaders, headerSets, jwt, authCheckUriHeader };
}

/** A list that only means something with UPSTREAM_URL: set alone, it is reported and ignored. */
function onlyWithUpstream(r: Reader, name: string, upstreamGiven: boolean): string[] {
  const entries = r.list(name);
  if (entries === undefined) return [];
  if (!upstreamGiven) {
    r.problem(name, `only used together with UPSTREAM_URL; set UPSTREAM_URL or remove ${name}`);
    return [];
  }
  return entries;
}

function readHeaderSets(r: Reader): IdentityHeaderSet[] {
  const raw = r.string('IDENTITY_HEADERS');
  if (raw === undefined) return [...IDENTITY_HEADER_SETS];
  const entries = raw.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = entries.filter((e) => e !== 'none' && !(IDENTITY_HEADER_SETS as readonly string[]).includes(e));
  if (unknown.length > 0 || entries.length === 0 || (entries.includes('none') && entries.length > 1)) {
    r.problem('IDENTITY_HEADERS', `expected a comma list of ${IDENTITY_HEADER_SETS.join(', ')}, or none (got "${raw}")`);
    return [...IDENTITY_HEADER_SETS];
  }
  return IDENTITY_HEADER_SETS.filter((s) => entries.includes(s));
}

function readJwtKey(r: Reader): GatewayConfig['jwt'] {
  const raw = r.string('UPSTREAM_JWT_KEY');
  if (raw === undefined) return undefined;
  // A PEM pasted into an env file usually arrives with literal "\n" instead of line breaks.
  const key = raw.replace(/\\n/g, '\n');
  if (key.startsWith('-----BEGIN')) {
    const problem = rsaKeyProblem(key);
    if (problem) r.problem('UPSTREAM_JWT_KEY', problem);
    return problem ? undefined : { alg: 'RS256', key };
  }
  if (key.length < 32) {
    r.problem('UPSTREAM_JWT_KEY', `a shared secret (HS256) needs at least 32 characters (got ${key.length}); or give an RSA private key in PEM for RS256`);
    return undefined;
  }
  return { alg: 'HS256', key };
}

/** Why a PEM cannot sign RS256, or undefined when it can. Never echoes the key. */
function rsaKeyProblem(pem: string): string | undefined {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'not a readable private key; expected an RSA private key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) for RS256';
  }
  if (key.asymmetricKeyType !== 'rsa') return `a ${key.asymmetricKeyType ?? 'non-RSA'} key; RS256 needs an RSA private key`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return `the RSA key has ${bits} bits; at least 2048 are required`;
  return undefined;
}
