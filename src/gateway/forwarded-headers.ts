import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADER_PREFIXES, identityHeaderNames, isIdentityHeader } from './identity-headers.js';

/**
 * Which client request headers reach the backend in gateway mode: an allow-list, not a deny-list. A backend
 * trusts headers no list of ours can foresee (X-Original-URL and X-Rewrite-URL override the path in IIS,
 * Symfony and Laravel; Remote-User, X-WEBAUTH-USER, OIDC_CLAIM_* name the user for Authelia, Grafana and
 * mod_auth_openidc backends; True-Client-IP and X-Client-IP the address): a deny-list misses the next one, an
 * allow-list does not. The price: a backend's own custom request header must be named in
 * UPSTREAM_FORWARD_HEADERS.
 */

/** Standard request headers a browser or API client sends (lower case). */
const FORWARD_NAMES = new Set([
  'accept',
  'authorization', // the backend's own API credentials (App Service and oauth2-proxy pass it on too); never ours
  'cache-control',
  'cookie', // our own cookies are removed from it separately (PASS_COOKIES)
  'dnt',
  'last-event-id', // server-sent events resuming
  'origin',
  'pragma',
  'priority',
  'purpose',
  'range',
  'referer',
  'save-data',
  'sec-purpose',
  'upgrade-insecure-requests',
  'user-agent',
  'x-requested-with',
  'x-csrf-token',
  'x-xsrf-token', // Angular's and Laravel's CSRF header
  'traceparent', // W3C trace context: the backend's spans join the caller's trace
  'tracestate',
  'baggage',
  // Framing and hop-by-hop: kept here so the gateway's own handling (Connection, Upgrade) sees them.
  'connection',
  'upgrade',
  'transfer-encoding',
  'host', // replaced from BASE_URL
  'x-request-id', // replaced with this request's id
]);
const FORWARD_PREFIXES = ['accept-', 'content-', 'if-', 'sec-fetch-', 'sec-ch-', 'sec-websocket-', 'access-control-request-'];

/**
 * Routing and trust headers: who the client is or which path it asked for, as a proxy in front would say it.
 * Never forwarded whatever the configuration, and logged when a client sends one (X-Forwarded-For, -Proto,
 * -Host and -Port are then set by us).
 */
const ROUTING_NAMES = new Set([
  'forwarded',
  'x-forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-rewrite-url',
  'x-host',
  // Method overrides: the request the gate judged is the one the backend must act on.
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);
const ROUTING_PREFIXES = ['x-forwarded-', 'x-original-'];

const normal = (name: string) => name.toLowerCase().replace(/_/g, '-');

/** True for a routing or trust header (underscores count as hyphens, as for identity headers). */
export function isRoutingHeader(name: string): boolean {
  const n = normal(name);
  return ROUTING_NAMES.has(n) || ROUTING_PREFIXES.some((p) => n.startsWith(p));
}

/** Why an UPSTREAM_FORWARD_HEADERS entry (a name, or a prefix ending in `*`) cannot be allowed; undefined when it can. */
export function forwardEntryProblem(entry: string): string | undefined {
  const prefix = entry.endsWith('*') ? normal(entry.slice(0, -1)) : undefined;
  if (!/^[A-Za-z0-9!#$&'+.^`|~-]+\*?$/.test(entry)) {
    return `"${entry}" is not a header name (letters, digits and -; no "_", which CGI and PHP read as "-"; a trailing * for a prefix)`;
  }
  if (prefix === undefined) {
    if (isIdentityHeader(entry) || isRoutingHeader(entry)) return `"${entry}" is an identity or routing header: only this server sets those`;
    return undefined;
  }
  if (prefix.length < 3) return `"${entry}": a prefix needs at least 3 characters`;
  // A prefix that could cover an identity or routing header (X-M* covers X-MS-CLIENT-PRINCIPAL).
  const denied = [...identityHeaderNames(), ...IDENTITY_HEADER_PREFIXES, ...ROUTING_NAMES, ...ROUTING_PREFIXES];
  if (denied.some((d) => d.startsWith(prefix) || prefix.startsWith(d))) {
    return `"${entry}" covers identity or routing headers, which only this server sets`;
  }
  return undefined;
}

export interface ForwardFilter {
  /**
   * Removes from `headers` every name not allowed (Node has lower-cased them and joined repeats, so one
   * delete removes every copy). Returns the identity and routing header names the client had sent (at most
   * 20, each cut to 64 characters: they go to the log).
   */
  (headers: IncomingHttpHeaders): string[];
}

/** `extra`: UPSTREAM_FORWARD_HEADERS, lower case, names or prefixes ending in `*` (checked by the config). */
export function createForwardFilter(extra: readonly string[] = []): ForwardFilter {
  const names = new Set([...FORWARD_NAMES, ...extra.filter((e) => !e.endsWith('*'))]);
  const prefixes = [...FORWARD_PREFIXES, ...extra.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1))];
  const allowed = (n: string) => !n.includes('_') && (names.has(n) || prefixes.some((p) => n.startsWith(p)));
  return function filterForwardedHeaders(headers) {
    const spoofed: string[] = [];
    for (const name of Object.keys(headers)) {
      const trust = isIdentityHeader(name) || isRoutingHeader(name);
      if (trust || !allowed(name)) delete headers[name];
      if (trust && spoofed.length < 20) spoofed.push(name.slice(0, 64));
    }
    return spoofed;
  };
}
