import { Agent as HttpAgent, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SessionUser } from '../auth/session-user.js';
import { requireApiAuth, requirePageAuth } from '../auth/require-auth.js';
import { runGates, type AccessPolicy } from '../auth/access-policy.js';
import { sanitizeReturnTo } from '../http/return-to.js';
import { PATHS, signInHref } from '../http/paths.js';
import { ErrorCode, UnauthenticatedError, UnjudgeableRequestError, UpstreamError, type UnjudgeableRequestCode } from '../errors.js';
import { wantsJson } from '../http/negotiate.js';
import { VALID_REQUEST_ID } from '../perf/request-context.js';
import { createIdentity } from './identity.js';
import { isIdentityHeader } from './identity-headers.js';
import { createIdentitySigner, type RequestBinding } from './identity-token.js';
import { createForwardFilter, type ForwardFilter } from './forwarded-headers.js';
import type { SessionReader } from '../session/session-reader.js';
import { withoutCookies } from '../http/cookies.js';
import { matchesPrefix } from '../perf/compose.js';
import { canonicalTarget, type CanonicalTarget } from '../http/canonical-path.js';

export interface GatewayDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** The app's session reader (one per app, shared with the session layer): websocket upgrades bypass Express. */
  readonly reader: SessionReader;
  /** Who may open which gated path (src/auth/access-policy.ts), the same for the built-in pages. */
  readonly policy: AccessPolicy;
  readonly clock?: () => number;
}

export interface Gateway {
  /**
   * Mount after the session middleware: GET /auth/check, GET /auth/identity-jwks.json (RS256 only) and,
   * with UPSTREAM_URL, the proxy for the gated paths.
   */
  readonly router: Router;
  /**
   * Websocket upgrades for the gated paths. Node hands upgrades to the server's 'upgrade' event, never to
   * Express, so the server must be attached. Returns a function that stops taking upgrades and closes the
   * open websockets (call it when shutdown begins: they never drain by themselves).
   */
  attach(server: Server): () => void;
}

/**
 * Gateway mode: an existing iLOGON_MHA backend behind the session gate, as oauth2-proxy or App Service
 * authentication would front it. Signed-in requests under the gated prefixes are streamed to UPSTREAM_URL
 * with the user's identity in headers; whatever identity headers the client sent are removed first.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, logger, reader, policy } = deps;
  const clock = deps.clock ?? Date.now;
  const gw = config.gateway;
  const publicUrl = new URL(config.baseUrl);
  const signer = gw.jwt ? createIdentitySigner(gw.jwt, config.baseUrl, gw.upstreamUrl ?? config.baseUrl, clock) : undefined;
  const ourCookies = [config.session.cookieName, config.loginTransaction.cookieName];
  const identityFor = createIdentity({ sets: gw.headerSets, signer, graphHost: config.entra.graphHost });
  const forwardFilter = createForwardFilter(gw.forwardHeaders);

  // Strict and case-sensitive: '/auth/check/' or '/Auth/Check' must not answer as /auth/check, which the
  // README's nginx keeps `internal` by its exact spelling (`location = /auth/check`).
  const router = Router({ strict: true, caseSensitive: true });

  // nginx auth_request / Traefik forwardAuth call this on every request. It costs what any page view costs:
  // one session read; no write and no Set-Cookie, except when the idle clock is due (at most once per touch
  // interval), exactly as for pages, so a user active only behind the proxy is not signed out while active.
  router.get(PATHS.check, (req, res, next) => {
    // The proxy names the original request in exactly one header (AUTH_CHECK_URI_HEADER), judged on its
    // canonical path, so /mha/admin keeps needing the admin role behind the proxy too.
    const asked = originalUri(req, gw.authCheckUriHeader);
    if (asked instanceof UnjudgeableRequestError) return next(asked);
    const user = req.session?.user;
    if (!user) {
      // Traefik hands this 401 page to the browser as it is, and no proxy can turn a 401 into a redirect:
      // the page itself links to sign-in and back to the original path (same-origin only; JSON callers
      // get the 401 JSON without it). The status stays 401: proxies decide on it.
      res.locals['signInHref'] = signInHref({ returnTo: sanitizeReturnTo(`${asked.path}${asked.search}`) });
      return next(new UnauthenticatedError());
    }
    // The same access policy as the built-in pages and the proxy (src/auth/access-policy.ts).
    runGates(policy.gatesFor(asked.path), req, res, next, () => {
      // The token names the request the gate judged: the proxy's original method and this path.
      answerCheck(res, user, { method: originalMethod(req, gw.authCheckUriHeader), path: asked.path }).catch(next);
    });
  });
  router.get(PATHS.identityJwks, async (_req, res, next) => {
    const jwks = await signer?.jwks();
    if (!jwks) return next();
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(jwks);
  });

  async function answerCheck(res: Response, user: SessionUser, binding: RequestBinding): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(await identityFor(user, binding))) res.setHeader(name, value);
    res.status(202).end();
  }

  const upstream = gw.upstreamUrl;
  if (!upstream) return { router, attach: () => () => {} };

  const agent = upstream.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  // toProxy: the library sends req.url as it is. Without it, it re-parses the URL (WHATWG rules: dot segments,
  // %2e, backslashes), and the backend would receive another path than the one the gates judged.
  const proxy: ProxyServer = createProxyServer({ target: upstream, agent, ws: true, xfwd: false, changeOrigin: false, toProxy: true });
  keepBodyFraming(proxy);

  // UPSTREAM_TIMEOUT_MS is an idle timeout: no byte from the upstream for that long, before or during the
  // response. Our own error (not the library's proxyTimeout) so a timeout is told apart from a reset.
  const armTimeout = (proxyReq: import('node:http').ClientRequest) => {
    proxyReq.setTimeout(gw.timeoutMs, () => proxyReq.destroy(new UpstreamError(ErrorCode.upstreamTimeout)));
  };
  proxy.on('proxyReq', armTimeout);
  proxy.on('proxyReqWs', armTimeout);
  proxy.on('proxyRes', (proxyRes, _req, res) => {
    // Connection and Keep-Alive are hop-by-hop: the backend's describe its connection to us. The client's own
    // connection stays as Node decided for it (a client's `Connection: close`, shutting down: close).
    delete proxyRes.headers['keep-alive'];
    proxyRes.headers['connection'] = res.shouldKeepAlive && !/close/i.test(String(res.getHeader('connection') ?? '')) ? 'keep-alive' : 'close';
    for (const name of ['location', 'content-location'] as const) {
      const value = proxyRes.headers[name];
      if (typeof value === 'string') proxyRes.headers[name] = rewriteLocation(value, upstream, config.baseUrl);
    }
    // The upstream must not overwrite (or fixate) our session or login cookie.
    const setCookie = proxyRes.headers['set-cookie'];
    if (setCookie) proxyRes.headers['set-cookie'] = setCookie.filter((c) => !ourCookies.includes(c.slice(0, c.indexOf('=')).trim()));
    // Our strict CSP is for our own pages; the backend's pages carry their own policy (or none).
    res.removeHeader('Content-Security-Policy');
  });
  // Errors are handled per call; this keeps a stray one (after a client hung up) from being unhandled.
  proxy.on('error', (err) => logger.debug({ err }, 'proxy error after the response ended'));

  // The session gate (a page redirects to sign-in, an API call gets 401), then the access policy.
  const pageGates = [requirePageAuth, policy.gate];
  const apiGates = [requireApiAuth, policy.gate];

  router.use(function gatewayProxy(req: Request, res: Response, next: NextFunction) {
    // The canonical path (src/http/request-target.ts): req.url is that path and its query, and is what the
    // proxy sends (toProxy), so the backend receives exactly what was judged here.
    if (!matchesPrefix(req.canonicalPath, gw.paths)) return next();
    if (namesProtectedHeader(req.headers.connection)) return next(new UnjudgeableRequestError('connection_names_protected_header'));
    runGates(wantsJson(req) ? apiGates : pageGates, req, res, next, () => {
      forward(req, res, next).catch(next);
    });
  });

  async function forward(req: Request, res: Response, next: NextFunction): Promise<void> {
    const user = req.session.user!;
    const removed = prepareUpstreamHeaders(req.headers, {
      identity: await identityFor(user, { method: req.method, path: (req.url ?? '/').split('?')[0] ?? '/' }),
      forward: forwardFilter,
      passCookies: gw.passCookies,
      ourCookies,
      publicUrl,
      requestId: req.id,
      clientIp: req.ip ?? req.socket.remoteAddress ?? '',
      websocket: false,
    });
    if (removed.length > 0) req.log.warn({ event: 'gateway.spoofed_headers', headers: removed }, 'removed identity or routing headers sent by the client');
    proxy.web(req, res, {}, (err) => next(toUpstreamError(err)));
  }

  const openSockets = new Set<Duplex>();

  async function onUpgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && VALID_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const log = logger.child({ reqId: requestId });
    // The same canonical path as for HTTP (Express never sees an upgrade): judged, then forwarded as it is.
    const target = canonicalTarget(req.url ?? '');
    if (!target.ok || !matchesPrefix(target.path, gw.paths)) {
      // Someone else may serve other upgrades on this server; otherwise nothing here speaks websocket.
      if (server.listenerCount('upgrade') > 1) return;
      return target.ok ? rejectUpgrade(socket, 404, ErrorCode.notFound) : rejectUpgrade(socket, 400, 'ambiguous_path' satisfies UnjudgeableRequestCode);
    }
    const { path } = target;
    req.url = `${path}${target.search}`;
    // A handshake has no body (what follows it is the websocket's own bytes), and Connection may not name a
    // header the backend must see: either would let the backend parse something other than what was judged.
    if (req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0' || namesProtectedHeader(req.headers.connection)) {
      log.warn({ event: 'gateway.websocket', path, outcome: 'refused_framing' }, 'websocket refused: framing headers');
      return rejectUpgrade(socket, 400, 'connection_names_protected_header' satisfies UnjudgeableRequestCode);
    }
    // Cross-site websocket hijacking: SameSite=Lax still sends our cookie from a sibling subdomain, and
    // browsers always send Origin on a websocket handshake.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== config.baseUrl) {
      log.warn({ event: 'gateway.websocket', path, outcome: 'foreign_origin' }, 'websocket refused: foreign origin');
      return rejectUpgrade(socket, 403, 'foreign_origin');
    }
    let found;
    try {
      found = await reader.read(req.headers.cookie);
    } catch (err) {
      log.error({ err }, 'session store unavailable for a websocket upgrade');
      return rejectUpgrade(socket, 503, 'session_store_unavailable');
    }
    if (found.state !== 'valid') {
      log.info({ event: 'gateway.websocket', path, outcome: 'unauthenticated' }, 'websocket refused: no session');
      return rejectUpgrade(socket, 401, ErrorCode.unauthenticated);
    }
    if (!policy.allows(found.user, path)) {
      log.info({ event: 'gateway.websocket', path, outcome: 'missing_role' }, 'websocket refused: missing app role');
      return rejectUpgrade(socket, 403, ErrorCode.missingRole);
    }
    const removed = prepareUpstreamHeaders(req.headers, {
      identity: await identityFor(found.user, { method: req.method, path }),
      forward: forwardFilter,
      passCookies: gw.passCookies,
      ourCookies,
      publicUrl,
      requestId,
      clientIp: clientIpFrom(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], config.trustProxy),
      websocket: true,
    });
    if (removed.length > 0) log.warn({ event: 'gateway.spoofed_headers', headers: removed }, 'removed identity or routing headers sent by the client');
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
    log.info({ event: 'gateway.websocket', path, outcome: 'forwarded' }, 'websocket forwarded');
    proxy.ws(req, socket, head, {}, (err) => {
      const e = toUpstreamError(err);
      log.error({ err }, 'websocket upstream failed');
      // Nothing sent yet: the client still expects an HTTP answer to its handshake.
      if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
        rejectUpgrade(socket, e.status, e.code);
      }
    });
  }

  return {
    router,
    attach(server) {
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        onUpgrade(server, req, socket, head).catch((err: unknown) => {
          logger.error({ err }, 'websocket upgrade failed');
          socket.destroy();
        });
      };
      server.on('upgrade', listener);
      // Pooled upstream connections go once the server has drained its last request.
      server.once('close', () => agent.destroy());
      return () => {
        server.off('upgrade', listener);
        for (const s of openSockets) s.destroy();
      };
    },
  };
}

/**
 * The original request's method, from the header paired with the one trusted URI header: X-Forwarded-Method
 * beside X-Forwarded-Uri (Traefik; the README's nginx snippet sets both), X-Original-Method beside
 * X-Original-URI. Undefined when the proxy does not say: the token then carries no method claim.
 */
function originalMethod(req: Request, trustedUriHeader: string): string | undefined {
  const paired = METHOD_HEADER_FOR.get(trustedUriHeader);
  return paired === undefined ? undefined : req.get(paired);
}

const METHOD_HEADER_FOR = new Map([
  ['x-forwarded-uri', 'x-forwarded-method'],
  ['x-original-uri', 'x-original-method'],
]);

/**
 * The original URI the proxy asks /auth/check about, canonical, from the one trusted header. Missing, repeated,
 * or contradicted by another original-URI header: 400 (the proxy is misconfigured, or passes a client's header
 * through). A URI that backends could read in more than one way: 403, the deny that auth_request understands.
 */
function originalUri(req: Request, trusted: string): Extract<CanonicalTarget, { ok: true }> | UnjudgeableRequestError {
  const values = req.headersDistinct[trusted];
  if (values === undefined || values.length === 0) return new UnjudgeableRequestError('original_uri_missing');
  const value = values[0]!;
  if (values.length > 1) return new UnjudgeableRequestError('original_uri_conflict');
  for (const other of ORIGINAL_URI_HEADERS) {
    if (other === trusted) continue;
    const seen = req.headersDistinct[other];
    if (seen !== undefined && seen.some((v) => v !== value)) return new UnjudgeableRequestError('original_uri_conflict');
  }
  const target = canonicalTarget(value);
  if (!target.ok) return new UnjudgeableRequestError('ambiguous_path', { status: 403, details: { reason: target.reason } });
  return target;
}

// Where proxies put the original URI for an auth subrequest: Traefik's forwardAuth, the nginx convention.
const ORIGINAL_URI_HEADERS = ['x-forwarded-uri', 'x-original-uri'];

export interface UpstreamHeaderOptions {
  readonly identity: Readonly<Record<string, string>>;
  /** Which client headers may pass (forwarded-headers.ts); the standard ones when not given. */
  readonly forward?: ForwardFilter;
  readonly passCookies: boolean;
  readonly ourCookies: readonly string[];
  readonly publicUrl: URL;
  readonly requestId: string;
  readonly clientIp: string;
  readonly websocket: boolean;
}

/**
 * Whether Connection names a header that must reach the backend as we set it. A proxy removes every header
 * Connection names (RFC 9110 7.6.1); removing Content-Length or Transfer-Encoding leaves the body unframed on a
 * pooled keep-alive connection, where the backend parses it as a request of its own (request smuggling), and
 * naming Host, a forwarding or an identity header asks us to drop what the backend trusts. Such a request is
 * refused rather than forwarded with a guess.
 */
export function namesProtectedHeader(connection: string | undefined): boolean {
  if (connection === undefined) return false;
  for (const option of connection.split(',')) {
    const name = option.trim().toLowerCase();
    if (PROTECTED_FROM_CONNECTION.has(name) || name.startsWith('x-forwarded-') || isIdentityHeader(name)) return true;
  }
  return false;
}

const PROTECTED_FROM_CONNECTION = new Set(['content-length', 'transfer-encoding', 'host', 'forwarded', 'x-real-ip', 'x-request-id']);

/**
 * http-proxy's deleteLength pass gives a DELETE or OPTIONS without Content-Length a `Content-Length: 0` and
 * deletes its Transfer-Encoding, then streams the body anyway: a chunked body reached the backend unframed, as
 * requests of its own. The framing the client sent is noted before that pass and put back just before the
 * `stream` pass builds the outgoing request. Both through the library's `before` hook, which throws at start if
 * an upgrade renames a pass (its `after` inserts before the named pass, so it is not used). Proved by
 * test/security/gateway-smuggling.test.ts (chunked DELETE and OPTIONS).
 */
function keepBodyFraming(proxy: ProxyServer): void {
  const framing = new WeakMap<IncomingMessage, string>();
  proxy.before('web', 'deleteLength', function rememberFraming(req) {
    const te = req.headers['transfer-encoding'];
    if (te !== undefined) framing.set(req, te);
  });
  proxy.before('web', 'stream', function restoreFraming(req) {
    const te = framing.get(req);
    if (te === undefined) return;
    req.headers['transfer-encoding'] = te;
    delete req.headers['content-length'];
  });
}

// Hop-by-hop (RFC 9110 7.6.1) or meaningful only between the client and us.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect', 'forwarded', 'x-real-ip'];

const standardHeaders = createForwardFilter();

/**
 * Rewrites the incoming headers into what the upstream receives (http-proxy copies `req.headers`):
 * only allow-listed client headers kept (never an identity or routing one), hop-by-hop headers (and any
 * header the client lists in Connection) dropped, our cookies removed unless PASS_COOKIES, Host and X-Forwarded-* from BASE_URL and the trusted client
 * address, then our identity headers. Returns the identity and routing header names the client had sent.
 */
export function prepareUpstreamHeaders(headers: IncomingHttpHeaders, o: UpstreamHeaderOptions): string[] {
  const removed = (o.forward ?? standardHeaders)(headers);
  const listed = String(headers['connection'] ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...listed, ...HOP_BY_HOP]) delete headers[name];
  if (o.websocket) {
    headers['connection'] = 'Upgrade';
    headers['upgrade'] = 'websocket';
  }
  if (!o.passCookies) {
    const cookie = withoutCookies(headers.cookie, o.ourCookies);
    if (cookie === undefined) delete headers.cookie;
    else headers.cookie = cookie;
  }
  // The public origin comes from configuration, never from the client's Host.
  headers.host = o.publicUrl.host;
  headers['x-forwarded-host'] = o.publicUrl.host;
  headers['x-forwarded-proto'] = o.publicUrl.protocol.replace(':', '');
  // BASE_URL is an origin and paths go through unchanged, so there is no X-Forwarded-Prefix to send (an empty
  // or "/" one would make some frameworks build "//path" links); the client's was removed with the rest.
  headers['x-forwarded-port'] = o.publicUrl.port || (o.publicUrl.protocol === 'https:' ? '443' : '80');
  headers['x-forwarded-for'] = o.clientIp;
  headers['x-request-id'] = o.requestId;
  Object.assign(headers, o.identity);
  return removed;
}

/**
 * An absolute redirect to the upstream's own origin (http://mha-backend:8080/mha/x) becomes the same path on
 * the public origin; relative and foreign locations are left as they are.
 */
export function rewriteLocation(location: string, upstreamOrigin: string, publicOrigin: string): string {
  if (!/^([a-z][a-z0-9+.-]*:)?\/\//i.test(location)) return location;
  let url: URL;
  try {
    url = new URL(location, `${upstreamOrigin}/`);
  } catch {
    return location;
  }
  if (url.origin !== upstreamOrigin) return location;
  return `${publicOrigin}${url.pathname}${url.search}${url.hash}`;
}

/** The client's address as Express computes it with `trust proxy` = hops: that many proxies are believed. */
export function clientIpFrom(remoteAddress: string, forwardedFor: string | string[] | undefined, hops: number): string {
  const chain = [remoteAddress, ...String(forwardedFor ?? '').split(',').map((a) => a.trim()).filter(Boolean).reverse()];
  return chain[Math.min(hops, chain.length - 1)] ?? remoteAddress;
}

function toUpstreamError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  return new UpstreamError(code === 'ETIMEDOUT' ? ErrorCode.upstreamTimeout : ErrorCode.upstreamUnavailable, { cause: err });
}

function rejectUpgrade(socket: Duplex, status: number, code: string): void {
  const body = JSON.stringify({ error: code });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
