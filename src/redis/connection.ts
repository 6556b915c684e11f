import { createClient } from 'redis';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../errors.js';

export type RedisClient = ReturnType<typeof makeClient>;

export interface RedisConnection {
  readonly client: RedisClient;
  /** True while the socket is connected and authenticated. */
  readonly ready: boolean;
  /** Resolves after the first successful connection (tests, tooling); startup never waits for it. */
  whenReady(): Promise<void>;
  /**
   * `operation` (one Redis call) failing with RedisTimeoutError when Redis has not answered it within the
   * command timeout. Every caller that waits on Redis goes through it: see RedisTimeoutError for why
   * node-redis's own timeout is not enough.
   */
  bounded<T>(operation: Promise<T>): Promise<T>;
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
 * Redis did not answer a command in time. node-redis's `commandOptions.timeout` only runs while a command
 * waits to be written: once its bytes are on the socket it waits for the reply forever. A Redis that is
 * hung but still connected (SIGSTOP, a frozen VM, a stalled fsync) accepts those bytes, so without this
 * deadline every gated request would hang with it. The abandoned command stays in node-redis's reply queue:
 * its late reply is matched to it and dropped, never handed to a later command.
 */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

/**
 * How a store built on this connection makes its Redis calls: each with the command deadline, and a failure
 * reported (metrics) and turned into StoreUnavailableError, which the error handler answers 503 "try
 * again", never "no session" or "signed out". Both name the store and the call (`sid.add`, `ratelimit.hit`).
 */
export function storeCalls(connection: RedisConnection, area: string, onError: (operation: string) => void = () => {}) {
  return async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await connection.bounded(run());
    } catch (err) {
      const what = `${area}.${operation}`;
      onError(what);
      throw new StoreUnavailableError(what, { cause: err });
    }
  };
}

/**
 * One Redis client for the process. It never throws at start: when Redis is down the app still listens,
 * /readyz says why, gated requests answer 503, and the client reconnects with backoff by itself.
 * Commands fail fast while disconnected (no offline queue), so a request never waits for a reconnect.
 */
export function createRedisConnection(url: string, safeUrl: string, logger: Logger, options: RedisConnectionOptions = {}): RedisConnection {
  const log = logger.child({ component: 'redis', url: safeUrl });
  const client = makeClient(url, options);
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  // Logged once per stall, like connection errors below.
  let stalled = false;

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
    bounded<T>(operation: Promise<T>): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          if (!stalled && !closing) log.error({ timeoutMs: commandTimeoutMs }, 'redis is connected but not answering; requests fail until it does');
          stalled = true;
          reject(new RedisTimeoutError(`redis gave no answer within ${commandTimeoutMs} ms`));
        }, commandTimeoutMs);
        timer.unref();
      });
      // Settled after the deadline, or never: nobody waits for it any more, and a late rejection is not unhandled.
      operation.catch(() => {});
      return Promise.race([operation, deadline]).then(
        (value) => {
          clearTimeout(timer);
          if (stalled) log.info('redis answers again');
          stalled = false;
          return value;
        },
        (err: unknown) => {
          clearTimeout(timer);
          throw err;
        },
      );
    },
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

const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

function makeClient(url: string, options: RedisConnectionOptions) {
  const retryInitialMs = options.retryInitialMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  return createClient({
    url,
    disableOfflineQueue: true,
    // Covers only the wait before a command is written (see RedisTimeoutError); bounded() covers the reply.
    commandOptions: { timeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS },
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
