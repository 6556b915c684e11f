import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { redactedConfig } from './config.js';
import type { Logger } from './logger.js';
import { createOidcClient, type OidcClientOptions } from './auth/oidc-client.js';
import { createMemoryTransactionStore } from './auth/login-transactions.js';
import { createMemoryBackend } from './session/memory-backend.js';
import type { SessionBackend } from './session/backend.js';

export interface Running {
  readonly server: Server;
  readonly url: string;
  /** Where sessions live; read by the bench (bench/targets/product.ts) to measure memory per session. */
  readonly backend: SessionBackend;
  /** Fails readiness, drains in-flight requests (bounded), closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly host?: string;
  readonly emulatorBanner?: boolean;
  readonly oidc?: OidcClientOptions;
  readonly drainTimeoutMs?: number;
}

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Wires the real dependencies and listens. Used by server.ts, the dev server and end-to-end tests. */
export async function start(config: Config, logger: Logger, options: StartOptions = {}): Promise<Running> {
  if (config.session.secretIsEphemeral) {
    logger.warn('SESSION_SECRET is not set: using a random one, so every session ends when the process restarts');
  }
  const oidc = createOidcClient(config, logger, options.oidc);
  oidc.start();
  const backend = createMemoryBackend({ defaultTtlMs: config.session.idleTimeoutMs });
  const transactions = createMemoryTransactionStore();
  let shuttingDown = false;
  const app = createApp({
    config,
    logger,
    oidc,
    backend,
    transactions,
    version: VERSION,
    emulatorBanner: options.emulatorBanner,
    isShuttingDown: () => shuttingDown,
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, options.host ?? '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const detachGateway = app.attachServer(server);
  // Explicit timeouts: a slow client cannot hold a socket forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? 'localhost'}:${port}`;
  logger.info({ config: redactedConfig(config), listening: url, version: VERSION }, 'iLOGON_MHA sign-in started');

  return {
    server,
    url,
    backend,
    async close() {
      shuttingDown = true;
      oidc.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Websockets are long-lived: draining would only wait for the timeout. They are closed now.
      detachGateway();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 10_000).unref());
      await Promise.race([drained, timeout]);
      server.closeAllConnections();
      await backend.close();
    },
  };
}
