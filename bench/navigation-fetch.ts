/**
 * A `fetch` for the sign-in client that sends what a browser's top-level navigation sends. Node's own
 * fetch always sends `Sec-Fetch-Mode: cors` (it cannot be overridden), and mod_auth_openidc rightly answers
 * such a request with 401 instead of starting a sign-in; this one goes through node:http, with only the
 * headers given. Enough for the sign-in flow: GET and form POST, no redirect following, body read in full.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true });

export const navigationFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol !== 'http:') throw new Error(`navigationFetch speaks http only: ${url.protocol}`);
  const headers: Record<string, string> = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
  const body = typeof init?.body === 'string' ? Buffer.from(init.body) : undefined;
  if (init?.body !== undefined && init.body !== null && body === undefined) throw new Error('navigationFetch sends string bodies only');
  if (body) headers['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, { method: init?.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 0;
        const nullBody = status === 204 || status === 304;
        resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
};
