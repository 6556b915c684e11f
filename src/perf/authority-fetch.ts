import http from 'node:http';
import https from 'node:https';
import type { CustomFetch } from 'openid-client';

/**
 * The HTTP client for the calls to the authority (discovery, JWKS, the token request of every sign-in):
 * node:http over keep-alive agents, returning a standard Response to openid-client and oauth4webapi.
 *
 * Why not the global fetch: undici's fetch machinery (the Fetch spec's Request, streams and abort plumbing
 * around an HTTP client of its own) was the largest share of a sign-in's CPU (docs/performance.md "Benchmark").
 * Only what those libraries ask of fetch is offered: a method, string headers, a body, redirect 'manual'
 * (a 3xx is returned, never followed) and an AbortSignal (openid-client's timeout). Failures look like
 * fetch's, so the error mapping is the same either way: a network error is `TypeError('fetch failed')`
 * with the socket error as `cause`, an abort rejects with the signal's reason (TimeoutError).
 */
export interface AuthorityFetchOptions {
  /** An authority's answers are a few kilobytes; a larger one is refused rather than buffered. */
  readonly maxResponseBytes?: number;
}

type FetchInit = Parameters<CustomFetch>[1];

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createAuthorityFetch(options: AuthorityFetchOptions = {}): CustomFetch {
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  // One connection pool per scheme for the life of the process, as the global fetch keeps one.
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  return function authorityFetch(url: string, init: FetchInit): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const { signal } = init;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let target: URL;
      let body: Buffer | undefined;
      try {
        target = new URL(url);
        body = bodyBytes(init.body);
      } catch (err) {
        reject(err instanceof TypeError ? err : new TypeError('fetch failed', { cause: err }));
        return;
      }
      const scheme = target.protocol;
      if (scheme !== 'http:' && scheme !== 'https:') {
        reject(new TypeError(`fetch failed: unsupported scheme ${scheme}`));
        return;
      }
      const headers: Record<string, string> = { ...init.headers };
      if (body !== undefined) headers['content-length'] = String(body.length);
      // What fetch adds for a form body when the caller did not say (oauth4webapi always does).
      if (init.body instanceof URLSearchParams && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      }

      let settled = false;
      const finish = (error: unknown, response?: Response) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (response) resolve(response);
        else reject(error);
      };
      const request = (scheme === 'https:' ? https : http).request(target, { method: init.method, headers, agent: agents[scheme] }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            request.destroy();
            finish(new TypeError('fetch failed', { cause: new Error(`the response from ${target.host} exceeds ${maxResponseBytes} bytes`) }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            const status = res.statusCode ?? 0;
            const responseHeaders = new Headers();
            const raw = res.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
            const payload = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks, size);
            finish(undefined, new Response(payload, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
          } catch (err) {
            finish(new TypeError('fetch failed', { cause: err }));
          }
        });
        res.on('error', (err) => finish(new TypeError('fetch failed', { cause: err })));
        res.on('close', () => {
          if (!res.complete) finish(new TypeError('fetch failed', { cause: new Error('the connection closed before the response ended') }));
        });
      });
      const onAbort = () => {
        request.destroy();
        finish(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err) => finish(new TypeError('fetch failed', { cause: err })));
      request.end(body);
    });
  };
}

function bodyBytes(body: FetchInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('fetch failed: a streamed request body is not supported here');
}
