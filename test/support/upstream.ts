/**
 * A real backend for gateway tests: an HTTP server on loopback that echoes what it received, streams large
 * bodies both ways, redirects, stalls, sets cookies, serves a home page at /mha/ showing the identity it received
 * (for the browser e2e), and a websocket echo (the `ws` package) on the same port.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: string[];
  /** Which backend connection carried it (numbered from 1 in the order they were accepted). */
  readonly connection: number;
}

export interface Upstream {
  readonly url: string;
  /** Every request the upstream saw (HTTP and websocket handshakes), in order. */
  readonly received: Received[];
  /** Call before an upload: resolves when its first bytes have reached the upstream. */
  nextUploadChunk(): Promise<void>;
  /** Lets a paused download continue (the test calls it once its first chunk has arrived). */
  releaseDownload(): void;
  /**
   * Resolves once that backend connection has closed: by then the backend has parsed every byte the gateway
   * wrote on it, so a test can say how many requests it carried without waiting for a guessed time.
   */
  connectionClosed(connection: number): Promise<void>;
  close(): Promise<void>;
}

export const CHUNK = 1024 * 1024;

/** The same deterministic bytes on both sides: chunk i is filled with (i % 251). */
export function chunkOf(i: number): Buffer {
  return Buffer.alloc(CHUNK, i % 251);
}

export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  let markFirstChunk: () => void = () => {};
  let release: () => void = () => {};
  const connectionIds = new WeakMap<object, number>();
  const closed = new Map<number, Promise<void>>();
  const upstream: Upstream = {
    url: '',
    received,
    nextUploadChunk: () => new Promise<void>((resolve) => (markFirstChunk = resolve)),
    releaseDownload: () => release(),
    connectionClosed: (connection) => closed.get(connection) ?? Promise.reject(new Error(`no backend connection ${connection}`)),
    close: async () => {},
  };
  const record = (req: IncomingMessage) =>
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      connection: connectionIds.get(req.socket) ?? 0,
    });

  const server: Server = createServer((req, res) => {
    record(req);
    const url = new URL(req.url ?? '/', 'http://upstream');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    switch (url.pathname) {
      case '/mha/upload': {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          if (bytes === 0) markFirstChunk();
          bytes += chunk.length;
          hash.update(chunk);
        });
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
        });
        return;
      }
      case '/mha/download': {
        const chunks = Number(url.searchParams.get('chunks') ?? '1');
        res.setHeader('content-type', 'application/octet-stream');
        res.write(chunkOf(0));
        // The rest only once the client has the first chunk: a proxy that buffered would deadlock here.
        new Promise<void>((resolve) => (release = resolve)).then(async () => {
          for (let i = 1; i < chunks; i++) {
            if (!res.write(chunkOf(i))) await new Promise((r) => res.once('drain', r));
          }
          res.end();
        });
        return;
      }
      case '/mha/redirect':
        res.writeHead(302, { location: `${base}/mha/after?x=1` }).end();
        return;
      case '/mha/see-other':
        res.writeHead(303, { location: '/mha/relative' }).end();
        return;
      case '/mha/elsewhere':
        res.writeHead(302, { location: 'https://login.microsoftonline.com/logout' }).end();
        return;
      case '/mha/slow':
        return; // never answers
      case '/mha/cookies':
        res.setHeader('set-cookie', ['mha.sid=planted-by-upstream; Path=/', 'app=1; Path=/mha']);
        res.end('ok');
        return;
      case '/mha/':
        res.setHeader('content-type', 'text/html; charset=utf-8');
        // Its own caching policy, which the gateway must pass on (no-cache: never served stale after sign-out).
        res.setHeader('cache-control', 'private, no-cache');
        res.end(identityPage(req.headers));
        return;
      case '/mha/page':
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<!doctype html><title>Upstream</title><h1>Served by the iLOGON_MHA backend</h1><script>document.title="inline"</script>');
        return;
      default: {
        // The body is read to its end (as the backend's framework would) and its size reported.
        let bodyBytes = 0;
        req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes }));
        });
      }
    }
  });

  server.on('connection', (socket) => {
    const id = closed.size + 1;
    connectionIds.set(socket, id);
    closed.set(id, new Promise<void>((resolve) => socket.once('close', () => resolve())));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    record(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ url: req.url, headers: req.headers }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(upstream, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return upstream;
}

/** The identity headers the upstream's home page shows, in this order. */
export const SHOWN_HEADERS = [
  'x-ms-client-principal-name',
  'x-ms-client-principal-id',
  'x-ms-client-principal-idp',
  'x-forwarded-user',
  'x-forwarded-email',
] as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The backend's home page (/mha/), as a backend written for App Service authentication would render it: who
 * is signed in, from the headers it received; a link to our sign-out page; and an inline script (a policy
 * like ours would block it) that opens a websocket to /mha/ws and shows what the echo answered.
 */
function identityPage(headers: IncomingMessage['headers']): string {
  const rows = SHOWN_HEADERS.map((name) => `<tr><th scope="row">${name}</th><td data-header="${name}">${escapeHtml(String(headers[name] ?? ''))}</td></tr>`);
  return `<!doctype html><html lang="en"><title>iLOGON_MHA backend</title>
<h1>iLOGON_MHA backend</h1>
<table aria-label="Identity received">${rows.join('')}</table>
<p id="ws" role="status">websocket: connecting</p>
<p><a href="/auth/logout">Sign out</a></p>
<script>
  const out = document.getElementById('ws');
  const ws = new WebSocket(location.href.replace(/^http/, 'ws') + 'ws');
  ws.onmessage = (e) => {
    if (!out.dataset.name) {
      // The echo's greeting: the headers the websocket handshake reached the backend with.
      out.dataset.name = JSON.parse(e.data).headers['x-ms-client-principal-name'] || 'none';
      ws.send('ping from the page');
    } else {
      out.textContent = 'websocket echo: ' + e.data;
    }
  };
  ws.onerror = () => { out.textContent = 'websocket failed'; };
</script>
</html>`;
}

/** A loopback port with nothing listening on it (the upstream is down). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
