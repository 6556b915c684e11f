/**
 * Support for the operations tests: real redis-server processes, real replicas started through start()
 * (the same composition as production), and binaries that must exist (tests fail, never skip, without them).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClient } from 'redis';
import { parseConfig, type Env } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { start, type Running, type StartOptions } from '../../src/start.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator } from '../../src/dev/emulator.js';
import { appEnvFor } from './harness.js';
import { freePort } from './process.js';

export { freePort };

/** The shared Redis of these machines (CI starts it); REDIS_URL overrides. */
export const SHARED_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** A key prefix no other test run uses. */
export function uniquePrefix(): string {
  return `mha-test:${randomUUID().slice(0, 8)}:`;
}

/** The path of a binary the test needs; throws a clear error when it is not installed. */
export function requireBinary(name: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed; ${hint}`);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A redis-server of the test's own on a spare port; data survives stop/start (append-only file). */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * SIGSTOP: the process keeps its socket open and accepts nothing further, so commands get no answer
   * (a hung Redis, not a dead one: the client sees no error, only silence). resume() sends SIGCONT.
   */
  pause(): void;
  resume(): void;
  /** Calls per command name since the last resetStats (INFO commandstats). */
  commandStats(): Promise<Record<string, number>>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

const adminClient = (url: string) => createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
type AdminClient = ReturnType<typeof adminClient>;

export async function startOwnRedis(): Promise<OwnRedis> {
  const binary = requireBinary('redis-server', 'install it (apt-get install -y redis-server); .ci/run does');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mha-redis-'));
  const url = `redis://127.0.0.1:${port}/0`;
  let child: ChildProcess | undefined;

  const run = async () => {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], {
      stdio: 'ignore',
    });
    await waitFor(`redis-server on ${port}`, async () => (await admin((c) => c.ping())) === 'PONG');
  };
  const admin = async <T>(fn: (c: AdminClient) => Promise<T>): Promise<T> => {
    const c = adminClient(url);
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      c.destroy();
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGCONT');
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  };
  await run();

  return {
    port,
    url,
    stop,
    // Idempotent: a second redis-server on the same port would fail to bind and hide the running one.
    start: async () => {
      if (child && child.exitCode === null) return;
      await run();
    },
    pause() {
      if (!child || child.exitCode !== null) throw new Error('redis-server is not running');
      child.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async commandStats() {
      const info = await admin((c) => c.info('commandstats'));
      const stats: Record<string, number> = {};
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats[m[1]!] = Number(m[2]);
      return stats;
    },
    async resetStats() {
      await admin((c) => c.configResetStat());
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Replica {
  readonly running: Running;
  readonly url: string;
  readonly logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The emulator with a client that accepts every given base URL's callback. */
export async function startEmulatorFor(baseUrls: readonly string[]): Promise<Emulator> {
  return startEmulator({
    clients: [
      {
        client_id: EMULATOR_CLIENT_ID,
        client_secret: EMULATOR_CLIENT_SECRET,
        redirect_uris: baseUrls.map((b) => `${b}/auth/callback`),
        post_logout_redirect_uris: baseUrls.map((b) => `${b}/`),
      },
    ],
  });
}

/** Environment for a replica talking to this emulator. */
export const replicaEnv = appEnvFor;

/** One app instance, composed exactly as in production (start()), on 127.0.0.1. */
export async function startReplica(env: Env, options: StartOptions & { waitReady?: boolean } = {}): Promise<Replica> {
  const config = parseConfig(env);
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const running = await start(config, createLogger(config.logLevel, sink), {
    host: '127.0.0.1',
    port: 0,
    oidc: { retryInitialMs: 50, retryMaxMs: 200 },
    redis: { retryInitialMs: 50, retryMaxMs: 300, commandTimeoutMs: 1000, connectTimeoutMs: 1000 },
    ...options,
  });
  if (options.waitReady !== false) await running.whenReady();
  return { running, url: running.url, logs, close: () => running.close() };
}

/** The express-session id inside a signed cookie value (s:<id>.<signature>). */
export function sessionIdOf(cookieValue: string): string {
  const raw = decodeURIComponent(cookieValue);
  return raw.slice(2, raw.lastIndexOf('.'));
}

/** A direct client on a Redis, for tests that look at keys and TTLs. */
export async function redisClient(url: string) {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  return c;
}


/**
 * A fetch for the Browser that trusts one extra CA (the test's self-signed proxy certificate) without
 * touching the process-wide trust store. Only what the Browser uses: method, headers, string body,
 * redirect 'manual' (it never follows).
 */
export function fetchTrusting(caPem: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = transport.request(
        url,
        { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ...(url.protocol === 'https:' ? { ca: caPem } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
            }
            const status = res.statusCode ?? 0;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
  }) as typeof fetch;
}

export interface AppOnOwnRedis {
  readonly redis: OwnRedis;
  readonly emulator: Emulator;
  readonly app: Replica;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * One app with SESSION_STORE=redis on a redis-server of the test's own (a spare port), so the test can stop,
 * hang and restart it, and its command statistics count exactly what the app sends.
 */
export async function startAppOnOwnRedis(redisOptions?: StartOptions['redis']): Promise<AppOnOwnRedis> {
  const redis = await startOwnRedis();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const emulator = await startEmulatorFor([baseUrl]);
  const app = await startReplica(replicaEnv(emulator, baseUrl, { SESSION_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix() }), {
    port,
    ...(redisOptions ? { redis: redisOptions } : {}),
  });
  return {
    redis,
    emulator,
    app,
    baseUrl,
    async close() {
      redis.resume();
      await app.close();
      await emulator.close();
      await redis.close();
    },
  };
}
