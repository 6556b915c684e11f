import { createClient, createCluster, createSentinel } from 'redis';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../errors.js';
import type { RedisTarget } from './redis-config.js';

/**
 * The commands the stores call. Typed as the single-server client; behind Sentinel and on a Cluster the
 * object is node-redis's sentinel or cluster client, which offer the same commands with the same replies.
 * Every store keeps to what all three route alike: single-key commands, MULTI and EVAL over one key, and
 * keyless PING. test/integration/redis-topologies.test.ts runs every store on all three.
 */
export type RedisClient = ReturnType<typeof makeStandaloneClient>;

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
  /** Cluster: how long a node may be unreachable before the client asks the others for the new map. */
  readonly topologyRefreshMs?: number;
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
 * One Redis client for the process, for one server, a Sentinel-managed master or a Cluster (REDIS_MODE).
 * It never throws at start: when Redis is down the app still listens, /readyz says why, gated requests
 * answer 503, and the client reconnects with backoff by itself. Commands fail fast while disconnected (no
 * offline queue), so a request never waits for a reconnect. Behind Sentinel the client follows a failover
 * (the sentinels announce the new master; a READONLY or closed socket makes it ask them); on a Cluster it
 * follows MOVED answers and re-reads the slot map when a node stays unreachable. While it does, commands
 * fail with the command deadline: 503 "try again", never "signed out".
 */
export function createRedisConnection(target: RedisTarget, description: string, logger: Logger, options: RedisConnectionOptions = {}): RedisConnection {
  const log = logger.child({ component: 'redis', url: description, mode: target.mode });
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  // Logged once per stall, like connection errors below.
  let stalled = false;

  let closing = false;
  // Only state changes are logged: an outage logs one error, not one per reconnect attempt.
  let lastError: string | undefined;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  const connected = () => {
    lastError = undefined;
    log.info('redis connected');
    resolveReady();
  };
  const failed = (err: unknown, wasReady: boolean) => {
    const message = err instanceof Error ? err.message || err.name : String(err);
    if (closing || message === lastError) return;
    lastError = message;
    log.error({ err: message, wasConnected: wasReady }, 'redis unavailable; reconnecting with backoff');
  };
  const backoff = backoffOf(options);

  let client: RedisClient;
  if (target.mode === 'standalone') {
    client = makeStandaloneClient(target.url, options, backoff);
    client.on('ready', connected);
    // Without this listener node-redis would crash the process on a connection error.
    client.on('error', (err: unknown) => failed(err, client.isReady));
    client.connect().catch((err: unknown) => {
      // connect() only rejects when reconnecting has been given up (close() during start-up).
      if (!closing) log.error({ err: err instanceof Error ? err.message : String(err) }, 'redis connection abandoned');
    });
  } else {
    // The sentinel and cluster clients give up (and must be made anew) when their first connect fails, for
    // instance when every sentinel or seed is down as the app starts: try again with backoff until one works.
    client = makeTopologyClient(target, options, backoff);
    const attempt = (retries: number, current: RedisClient): void => {
      client = current;
      const events = current as unknown as NodeJS.EventEmitter;
      events.on('error', (err: unknown) => failed(err, current.isReady));
      events.on('node-error', (err: unknown) => failed(err, current.isReady));
      events.on('topology-change', (event: { type?: string; node?: { host: string; port: number } }) => {
        if (event.type === 'MASTER_CHANGE' && event.node) log.warn({ master: `${event.node.host}:${event.node.port}` }, 'redis master changed (sentinel failover)');
      });
      // The sentinel client says `ready` at its first connect and again at the end of every failover.
      if (target.mode === 'sentinel') events.on('ready', connected);
      const retry = (err: unknown) => {
        if (closing) return;
        failed(err, false);
        void Promise.resolve()
          .then(() => current.destroy())
          .catch(() => {});
        setTimeout(() => {
          if (!closing) attempt(retries + 1, makeTopologyClient(target, options, backoff));
        }, backoff(retries)).unref();
      };
      current.connect().then(() => {
        if (target.mode === 'sentinel') return;
        // A node of a cluster still being formed (before `redis-cli --cluster create`) answers with an empty
        // slot map, which node-redis accepts and never asks again: every command would fail. Not connected yet.
        if (!coversEverySlot(current)) retry(new Error('the cluster does not cover every slot yet (still being formed?)'));
        else connected();
      }, retry);
    };
    attempt(0, client);
  }

  return {
    get client() {
      return client;
    },
    get ready() {
      return client.isReady;
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
        await Promise.race([client.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      }
      if (client.isOpen) await Promise.resolve(client.destroy()).catch(() => {});
    },
  };
}

const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

type Backoff = (retries: number) => number;

const CLUSTER_SLOTS = 16_384;

function coversEverySlot(cluster: RedisClient): boolean {
  const slots = (cluster as unknown as { slots?: ReadonlyArray<unknown> }).slots;
  if (!Array.isArray(slots) || slots.length !== CLUSTER_SLOTS) return false;
  // A plain loop: the array is sparse, and every() would skip the holes.
  for (let i = 0; i < CLUSTER_SLOTS; i++) if (!slots[i]) return false;
  return true;
}

function backoffOf(options: RedisConnectionOptions): Backoff {
  const retryInitialMs = options.retryInitialMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  return (retries) => {
    const base = Math.min(retryInitialMs * 2 ** Math.min(retries, 16), retryMaxMs);
    // Jitter: replicas that lost Redis together do not all come back in the same millisecond.
    return Math.round(base / 2 + (Math.random() * base) / 2);
  };
}

/** What every connection to a data node shares, whatever the topology. */
function nodeOptions(options: RedisConnectionOptions, backoff: Backoff) {
  return {
    disableOfflineQueue: true,
    // Detects a silently dropped connection (NAT, failover) between requests.
    pingInterval: 10_000,
    socket: { connectTimeout: options.connectTimeoutMs ?? 3_000, reconnectStrategy: backoff },
  };
}

function makeStandaloneClient(url: string, options: RedisConnectionOptions, backoff: Backoff) {
  return createClient({
    url,
    ...nodeOptions(options, backoff),
    // Covers only the wait before a command is written (see RedisTimeoutError); bounded() covers the reply.
    commandOptions: { timeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS },
  });
}

function makeTopologyClient(target: Exclude<RedisTarget, { mode: 'standalone' }>, options: RedisConnectionOptions, backoff: Backoff): RedisClient {
  const base = nodeOptions(options, backoff);
  const auth = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) };
  const socket = { ...base.socket, ...(target.tls ? { tls: true as const } : {}) };
  const commandOptions = { timeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS };
  if (target.mode === 'sentinel') {
    return createSentinel({
      name: target.masterName,
      sentinelRootNodes: target.sentinels.map((n) => ({ host: n.host, port: n.port })),
      nodeClientOptions: { ...base, ...auth, database: target.database, socket },
      // The sentinels themselves: plain TCP, no password (their own, if any, is not the data nodes').
      sentinelClientOptions: { socket: base.socket },
      commandOptions,
    }) as unknown as RedisClient;
  }
  return createCluster({
    rootNodes: target.nodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
    defaults: { ...base, ...auth, socket },
    commandOptions,
    // Asks the other nodes for the slot map once a node has been unreachable this long (a master failing
    // over to its replica), instead of node-redis's 5 s.
    topologyRefreshOnReconnectionAttemptStrategy: options.topologyRefreshMs ?? 1_000,
  }) as unknown as RedisClient;
}

/**
 * A client for one look (the doctor, the admin status page): no reconnects, no offline queue, no retries,
 * so a dead or silent Redis ends the look within the caller's timeout. The caller connects and destroys it.
 */
export function createProbeClient(target: RedisTarget, timeoutMs: number): RedisClient {
  const once = { disableOfflineQueue: true, socket: { connectTimeout: timeoutMs, reconnectStrategy: false as const } };
  if (target.mode === 'standalone') return createClient({ url: target.url, ...once }) as unknown as RedisClient;
  const auth = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) };
  const socket = { ...once.socket, ...(target.tls ? { tls: true as const } : {}) };
  if (target.mode === 'sentinel') {
    return createSentinel({
      name: target.masterName,
      sentinelRootNodes: target.sentinels.map((n) => ({ host: n.host, port: n.port })),
      nodeClientOptions: { ...once, ...auth, database: target.database, socket },
      sentinelClientOptions: { socket: once.socket },
      maxCommandRediscovers: 0,
    }) as unknown as RedisClient;
  }
  return createCluster({
    rootNodes: target.nodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
    defaults: { ...once, ...auth, socket },
    maxCommandRedirections: 2,
  }) as unknown as RedisClient;
}
