/**
 * One HTTP/1.1 exchange over a raw socket (node:net): the request is written byte for byte as given, so a test
 * can send what no HTTP client would (framing headers named in Connection, repeated or oddly cased headers,
 * any request target), and exactly one response is read back: by its Content-Length, its chunked framing, or
 * the connection closing. Nothing is normalised on the way.
 */
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export async function rawExchange(origin: string, request: string | Buffer, options: { readonly head?: boolean } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let buffered = Buffer.alloc(0);
    let ended = false;
    let wake: (() => void) | undefined;
    // One listener for the socket's life: bytes that arrive while nobody waits are kept, never dropped.
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      wake?.();
    });
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.on('error', onEnd);
    socket.write(request);
    const seen = { length: 0 };
    const more = (): Promise<void> => {
      if (buffered.length > seen.length) {
        seen.length = buffered.length;
        return Promise.resolve();
      }
      if (ended) return Promise.reject(new Error(`connection closed before a whole response: ${buffered.toString('latin1').slice(0, 300)}`));
      return new Promise((resolve) => {
        wake = () => {
          wake = undefined;
          seen.length = buffered.length;
          resolve();
        };
      });
    };

    let headerEnd: number;
    while ((headerEnd = buffered.indexOf('\r\n\r\n')) === -1) await more();
    const lines = buffered.subarray(0, headerEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let rest = buffered.subarray(headerEnd + 4);
    const noBody = options.head === true || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (noBody) return { status, headers, body: '' };
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      while (rest.length < length) {
        await more();
        rest = buffered.subarray(headerEnd + 4);
      }
      return { status, headers, body: rest.subarray(0, length).toString('utf8') };
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let at = 0;
      for (;;) {
        let lineEnd: number;
        while ((lineEnd = rest.indexOf('\r\n', at)) === -1) {
          await more();
          rest = buffered.subarray(headerEnd + 4);
        }
        const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        while (rest.length < lineEnd + 2 + size + 2) {
          await more();
          rest = buffered.subarray(headerEnd + 4);
        }
        if (size === 0) return { status, headers, body: Buffer.concat(chunks).toString('utf8') };
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    while (!ended) await more().catch(() => undefined);
    return { status, headers, body: buffered.subarray(headerEnd + 4).toString('utf8') };
  } finally {
    socket.destroy();
  }
}
