import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/dev/emulator.js';
import { startNode, type Child } from '../support/process.js';
import { freePort, replicaEnv, SHARED_REDIS_URL, startEmulatorFor, uniquePrefix, waitFor } from '../support/ops.js';

// The built server (dist/server.js, what the container runs) as a real child process receiving SIGTERM.
const SERVER = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulatorFor([]);
});
afterAll(async () => {
  await emulator?.close();
});

interface Server {
  readonly child: Child;
  readonly url: string;
  readonly port: number;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startNode(
    SERVER,
    replicaEnv(emulator, url, {
      NODE_ENV: 'production',
      PORT: String(port),
      LOG_LEVEL: 'info',
      SESSION_STORE: 'redis',
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_KEY_PREFIX: uniquePrefix(),
      ...env,
    }) as Record<string, string>,
    fileURLToPath(new URL('.', import.meta.url)),
  );
  await waitFor(`the server on ${port} to be ready`, async () => (await fetch(`${url}/readyz`)).status === 200);
  return { child, url, port };
}

/** Sends a POST whose body is only partly written: the request stays in flight until `finish()`. */
function slowRequest(port: number): { finish(): void; response: Promise<string> } {
  const body = '_csrf=0123456789abcdef';
  let socket!: Socket;
  const response = new Promise<string>((resolve, reject) => {
    socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      );
    });
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  return { finish: () => socket.write(body.slice(5)), response };
}

function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('SIGTERM', () => {
  it('fails readiness first, lets an in-flight request finish, closes Redis and exits 0', async () => {
    const server = await startServer({ SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const slow = slowRequest(server.port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    server.child.process.kill('SIGTERM');

    const ready = await waitFor('readiness to fail', async () => {
      const res = await fetch(`${server.url}/readyz`);
      return res.status === 503 ? ((await res.json()) as { checks: Record<string, string> }) : undefined;
    });
    expect(ready.checks['shutdown']).toBe('shutting down');
    // Requests that still arrive are told not to reuse the connection (the next one goes to another replica).
    expect(await rawGet(server.port, '/healthz')).toMatch(/\r\nConnection: close\r\n/i);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    slow.finish();
    const answer = await slow.response;
    expect(answer).toMatch(/^HTTP\/1\.1 303/);

    expect(await server.child.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(8_000);
    expect(server.child.stdout()).toContain('"msg":"stopped"');
    expect(server.child.stdout()).not.toContain('drain timed out');
  });

  it('does not wait past SHUTDOWN_TIMEOUT_SECONDS for a request that never completes', async () => {
    const server = await startServer({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const stuck = slowRequest(server.port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    server.child.process.kill('SIGTERM');
    expect(await server.child.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4_000);
    expect(server.child.stdout()).toContain('drain timed out');
    await stuck.response;
  });
});
