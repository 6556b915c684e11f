import { createClient } from 'redis';
import type { Logger } from '../logger.js';

export type RedisClient = ReturnType<typeof makeClient>;

export interface RedisConnection {
  readonly client: RedisClient;
  /** True while the socket is connected and authenticated. */
  readonly ready: boolean;
  /** Resolves after the first successful connection (tests, tooling); startup never waits for it. */
  whenReady(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  /** A command that gets no answer in this time fails (a hung Redis must not hang requests). */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff: doubles from the initial delay up to the maximum, with jitter. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/**
 * One Redis client for the process. It never throws at start: when Redis is down the app still listens,
 * /readyz says why, gated requests answer 503, and the client reconnects with backoff by itself.
 * Commands fail fast while disconnected (no offline queue), so a request never waits for a reconnect.
 */
export function createRedisConnection(url: string, safeUrl: string, logger: Logger, options: RedisConnectionOptions = {}): RedisConnection {
  const log = logger.child({ component: 'redis', url: safeUrl });
  const client = makeClient(url, options);

  let ready = false;
  let closing = false;
  // Only state changes are logged: an outage logs one error, not one per reconnect attempt.
  let lastError: string | undefined;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  client.on('ready', () => {
    ready = true;
    lastError = undefined;
    log.info('redis connected');
    resolveReady();
  });
  client.on('end', () => {
    ready = false;
  });
  client.on('error', (err: unknown) => {
    // Without this listener node-redis would crash the process on a connection error.
    const wasReady = ready;
    ready = false;
    const message = err instanceof Error ? err.message || err.name : String(err);
    if (closing || message === lastError) return;
    lastError = message;
    log.error({ err: message, wasConnected: wasReady }, 'redis unavailable; reconnecting with backoff');
  });
  client.on('reconnecting', () => {
    ready = false;
  });

  client.connect().catch((err: unknown) => {
    // connect() only rejects when reconnecting has been given up (close() during start-up).
    if (!closing) log.error({ err: err instanceof Error ? err.message : String(err) }, 'redis connection abandoned');
  });

  return {
    client,
    get ready() {
      return ready;
    },
    whenReady: () => readyPromise,
    async close() {
      closing = true;
      if (client.isOpen) {
        // Lets commands already sent finish; destroy() if Redis is gone and they never will.
        await Promise.race([client.close(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      }
      if (client.isOpen) client.destroy();
    },
  };
}

function makeClient(url: string, options: RedisConnectionOptions) {
  const retryInitialMs = options.retryInitialMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2_000 },
    // Detects a silently dropped connection (NAT, failover) between requests.
    pingInterval: 10_000,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 3_000,
      reconnectStrategy: (retries) => {
        const base = Math.min(retryInitialMs * 2 ** Math.min(retries, 16), retryMaxMs);
        // Jitter: replicas that lost Redis together do not all come back in the same millisecond.
        return Math.round(base / 2 + (Math.random() * base) / 2);
      },
    },
  });
}
