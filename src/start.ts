import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { VERSION } from './version.js';
import { createAppServer } from './perf/app-server.js';
import type { Config, HttpLimits } from './config.js';
import { redactedConfig } from './config.js';
import type { Logger } from './logger.js';
import { createOidcClient, type OidcClientOptions } from './auth/oidc-client.js';
import { clientAuthFor } from './auth/client-credential.js';
import { clientCredentialsCheck, secretCheck } from './doctor/checks.js';
import { createMemoryTransactionStore, type PendingLimits, type TransactionStore } from './auth/login-transactions.js';
import { createRedisTransactionStore } from './auth/redis-login-transactions.js';
import { createRedisSignInFailureLog } from './auth/redis-signin-failures.js';
import type { SignInFailureLog } from './auth/signin-failures.js';
import { answerClientError } from './http/limits.js';
import { createMemoryRateCounter, createRedisRateCounter, type RateCounter } from './http/rate-limit.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createRedisConnection, type RedisConnection, type RedisConnectionOptions } from './redis/connection.js';
import type { SessionBackend } from './session/backend.js';
import { createMemoryBackend } from './session/memory-backend.js';
import { createRedisBackend } from './session/redis-backend.js';

export interface Running {
  readonly server: Server;
  readonly url: string;
  /** Where sessions live; read by the bench (bench/targets/product.ts) to measure memory per session. */
  readonly backend: SessionBackend;
  /** Set when METRICS_PORT gives /metrics its own listener. */
  readonly metricsUrl: string | undefined;
  /** Resolves once discovery has loaded and the store is connected (tests, tooling). */
  whenReady(): Promise<void>;
  /** Fails readiness, drains in-flight requests (bounded), closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly host?: string;
  /** Overrides config.port / config.metricsPort (tests pass 0 for a free port). */
  readonly port?: number;
  readonly metricsPort?: number;
  readonly emulatorBanner?: boolean;
  readonly oidc?: OidcClientOptions;
  /** How often the client credential is checked with Entra (tests shorten them); see credential-monitor.ts. */
  readonly credentialCheck?: { readonly intervalMs?: number; readonly retryMs?: number };
  readonly redis?: RedisConnectionOptions;
  /** Overrides of the server limits (tests shorten timeouts). */
  readonly http?: Partial<HttpLimits>;
}

interface Stores {
  readonly backend: SessionBackend;
  readonly transactions: TransactionStore;
  readonly rateCounter: RateCounter;
  /** Undefined: the app keeps them in this process's memory. */
  readonly signInFailures: SignInFailureLog | undefined;
  readonly redis: RedisConnection | undefined;
  close(): Promise<void>;
}

function pendingLimits(config: Config): PendingLimits {
  return { maxPerClient: config.loginTransaction.maxPerClient, maxEntries: config.loginTransaction.maxPending };
}

/** SESSION_STORE decides where sessions, login transactions, rate-limit counters and sign-in failures live. */
function createStores(config: Config, logger: Logger, metrics: Metrics, redisOptions: RedisConnectionOptions | undefined): Stores {
  if (config.store.kind === 'redis') {
    const { target, safeUrl, keyPrefix } = config.store;
    const redis = createRedisConnection(target, safeUrl, logger, redisOptions);
    const backend = createRedisBackend(redis, { keyPrefix, absoluteTimeoutMs: config.session.absoluteTimeoutMs, onError: metrics.storeError });
    return {
      backend,
      // Shared too: with several replicas the callback may reach another replica than the login did.
      transactions: createRedisTransactionStore(redis, keyPrefix, { onError: metrics.storeError, ...pendingLimits(config) }),
      rateCounter: createRedisRateCounter(redis, keyPrefix, metrics.storeError),
      // The admin status page of any replica lists the sign-in failures of all of them.
      signInFailures: createRedisSignInFailureLog(redis, keyPrefix, { onError: metrics.storeError }),
      redis,
      close: () => redis.close(),
    };
  }
  if (config.nodeEnv === 'production') {
    logger.warn(
      'SESSION_STORE=memory: sessions live in this process only; they end at every restart and cannot be shared, so run exactly one replica or set SESSION_STORE=redis',
    );
  }
  const backend = createMemoryBackend({ defaultTtlMs: config.session.idleTimeoutMs });
  metrics.activeSessions(async () => backend.store.size);
  const rateCounter = createMemoryRateCounter();
  return {
    backend,
    transactions: createMemoryTransactionStore(pendingLimits(config)),
    rateCounter,
    signInFailures: undefined,
    redis: undefined,
    async close() {
      rateCounter.close();
      await backend.close();
    },
  };
}

/**
 * The secret's shape, checked before any network call with the doctor's rule: literal quotes around it (what
 * `docker --env-file` keeps), white space inside, a cut-short paste. Logged loudly now, and returned so a
 * refusal by Entra later names it as the likely cause.
 */
function warnAboutSecretShape(config: Config, logger: Logger): { message: string; fix: readonly string[] } | undefined {
  if (config.entra.credential.kind !== 'secret') return undefined;
  const shape = secretCheck(config.entra.clientSecret);
  if (shape.status === 'ok') return undefined;
  const fix = shape.fix ?? [];
  logger.warn(
    { event: 'setup.problem', check: 'secret', problem: shape.message, fix },
    `ENTRA_CLIENT_SECRET is ${shape.message}; Entra will most likely refuse it. Fix: ${fix.join(' ')}`,
  );
  return { message: shape.message, fix };
}

/** Wires the real dependencies and listens. Used by server.ts, the dev server and end-to-end tests. */
export async function start(config: Config, logger: Logger, options: StartOptions = {}): Promise<Running> {
  if (config.session.secretIsEphemeral) {
    logger.warn('SESSION_SECRET is not set: using a random one, so every session ends when the process restarts');
  }
  const limits: HttpLimits = { ...config.http, ...options.http };
  const metrics = createMetrics();
  const secretHint = warnAboutSecretShape(config, logger);
  const credential = config.entra.credential;
  const clientAuth = clientAuthFor(credential, config.entra.clientId);
  const oidc = createOidcClient(config, logger, {
    ...options.oidc,
    onDiscovery: metrics.discovery,
    onJwksFetch: metrics.jwksFetch,
    // The doctor's client-credentials call, at start and periodically: a refused credential is known before a user fails.
    credentialCheck: {
      check: async (discovered) =>
        config.entra.multiTenant
          ? { status: 'skipped', message: `ENTRA_TENANT_ID is ${config.entra.tenantId}: Entra issues app-only tokens only from a tenant's own endpoint; the first sign-in tests the credential` }
          : clientCredentialsCheck(discovered.serverMetadata() as unknown as Record<string, unknown>, config, clientAuth, config.entra.httpTimeoutSeconds * 1000),
      secretHint,
      ...options.credentialCheck,
      onVerdict: (ok, at) => metrics.credentialVerdict(credential.kind, ok, at),
    },
  });
  oidc.start();
  const stores = createStores(config, logger, metrics, options.redis);
  let shuttingDown = false;
  const app = createApp({
    config,
    logger,
    oidc,
    backend: stores.backend,
    transactions: stores.transactions,
    rateCounter: stores.rateCounter,
    ...(stores.signInFailures ? { signInFailures: stores.signInFailures } : {}),
    metrics,
    version: VERSION,
    emulatorBanner: options.emulatorBanner,
    branding: config.branding,
    isShuttingDown: () => shuttingDown,
  });

  // Explicit limits: a slow or oversized client cannot hold a socket or memory.
  const { server, serve } = createAppServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often the two timeouts above are checked (Node's default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  });
  serve(app);
  server.on('clientError', answerClientError);
  const host = options.host ?? '0.0.0.0';
  const port = await listen(server, options.port ?? config.port, host);
  const urlHost = options.host ?? 'localhost';
  const url = `http://${urlHost}:${port}`;
  const detachGateway = app.attachServer(server);

  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (config.metricsPort !== undefined) {
    // Only /metrics, on its own port, so it can stay off the public load balancer.
    metricsServer = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        void metrics.registry.metrics().then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(body);
        });
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: only GET /metrics is served here\n');
    });
    metricsUrl = `http://${urlHost}:${await listen(metricsServer, options.metricsPort ?? config.metricsPort, host)}/metrics`;
  }
  logger.info({ config: redactedConfig(config), listening: url, metrics: metricsUrl ?? `${url}/metrics`, version: VERSION }, 'iLOGON_MHA sign-in started');
  // A likely typo (SESSION_SECRETS) leaves its variable at the default: say so, without stopping the server.
  for (const w of config.warnings) logger.warn({ event: 'config.typo', variable: w.variable, suggestion: w.suggestion }, w.message);

  return {
    server,
    url,
    backend: stores.backend,
    metricsUrl,
    async whenReady() {
      await Promise.all([oidc.whenReady(), stores.redis?.whenReady()]);
    },
    async close() {
      // Readiness fails first; the listener stays open for shutdownDelayMs so a load balancer that polls
      // /readyz takes this replica out before connections are refused.
      shuttingDown = true;
      logger.info({ delayMs: limits.shutdownDelayMs, drainTimeoutMs: limits.shutdownTimeoutMs }, 'shutting down: readiness now fails');
      if (limits.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, limits.shutdownDelayMs));
      oidc.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only ends the connections idle at that moment; keep-alive connections whose in-flight
      // response completes later are ended as soon as they go idle.
      server.closeIdleConnections();
      // Websockets are long-lived: draining would only wait for the timeout. They are closed now.
      detachGateway();
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      let timedOut = false;
      const timeout = new Promise<void>((resolve) =>
        setTimeout(() => {
          timedOut = true;
          resolve();
        }, limits.shutdownTimeoutMs).unref(),
      );
      await Promise.race([drained, timeout]);
      clearInterval(sweeper);
      if (timedOut) logger.warn({ drainTimeoutMs: limits.shutdownTimeoutMs }, 'drain timed out: closing the remaining connections');
      server.closeAllConnections();
      if (metricsServer) {
        metricsServer.closeAllConnections();
        await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      }
      await stores.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
