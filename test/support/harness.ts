import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { createAppServer } from '../../src/perf/app-server.js';
import { parseConfig, type Config, type Env } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOidcClient, type OidcClient } from '../../src/auth/oidc-client.js';
import { createMemoryTransactionStore } from '../../src/auth/login-transactions.js';
import { createMemoryBackend } from '../../src/session/memory-backend.js';
import type { SessionBackend } from '../../src/session/backend.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator, type EmulatorClient, type EmulatorUser } from '../../src/dev/emulator.js';

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

export interface Harness {
  readonly baseUrl: string;
  readonly config: Config;
  readonly emulator: Emulator;
  readonly oidc: OidcClient;
  readonly backend: SessionBackend;
  readonly app: ReturnType<typeof createApp>;
  /** Every log line the app wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  readonly rawLogs: string[];
  /** Moves the app's clock (session timeouts) without touching timers. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Env;
  readonly users?: readonly EmulatorUser[];
  /** Start with the emulator down (discovery failing). */
  readonly emulatorDown?: boolean;
  readonly waitForDiscovery?: boolean;
  /** The origin registered in Entra when it differs from BASE_URL (a redirect URI mismatch, AADSTS50011). */
  readonly registeredBaseUrl?: string;
  /** Changes to the app registration in the emulator (e.g. a certificate: private_key_jwt with jwks). */
  readonly client?: Partial<Pick<EmulatorClient, 'token_endpoint_auth_method' | 'jwks' | 'certificates'>>;
  /**
   * Host name in BASE_URL (the app still listens on 127.0.0.1). Browser tests use `localhost` so the app and
   * the emulator (127.0.0.1) are different sites, as the app and login.microsoftonline.com are.
   */
  readonly appHost?: string;
}

/** The app and the Entra emulator on loopback, wired together exactly as `npm run dev` does. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // The server production runs (src/perf/app-server.ts): listening first, to learn the port BASE_URL needs.
  const { server, serve } = createAppServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://${options.appHost ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  // The public origin registered in Entra: the listening address unless a test puts a proxy in front.
  const publicUrl = options.registeredBaseUrl ?? options.env?.['BASE_URL'] ?? baseUrl;

  const emulator = await startEmulator({
    ...(options.users ? { users: options.users } : {}),
    clients: [
      {
        client_id: EMULATOR_CLIENT_ID,
        client_secret: EMULATOR_CLIENT_SECRET,
        redirect_uris: [`${publicUrl}/auth/callback`],
        post_logout_redirect_uris: [`${publicUrl}/`],
        ...options.client,
        frontchannel_logout_uri: `${publicUrl}/auth/frontchannel-logout`,
      },
    ],
  });
  if (options.emulatorDown) emulator.available = false;

  const config = parseConfig(appEnvFor(emulator, baseUrl, options.env));

  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);

  let offset = 0;
  const clock = () => Date.now() + offset;
  const oidc = createOidcClient(config, logger, { retryInitialMs: 50, retryMaxMs: 200 });
  oidc.start();
  if (options.waitForDiscovery !== false && !options.emulatorDown) await oidc.whenReady();
  const backend = createMemoryBackend({ defaultTtlMs: config.session.idleTimeoutMs, now: clock });
  const app = createApp({
    config,
    logger,
    oidc,
    backend,
    transactions: createMemoryTransactionStore({ now: clock, maxPerClient: config.loginTransaction.maxPerClient, maxEntries: config.loginTransaction.maxPending }),
    version: 'test',
    clock,
    branding: config.branding,
  });
  serve(app);
  const detachGateway = app.attachServer(server);

  return {
    baseUrl,
    config,
    emulator,
    oidc,
    backend,
    app,
    logs,
    rawLogs,
    advance(ms) {
      offset += ms;
    },
    async close() {
      oidc.stop();
      detachGateway();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
      await emulator.close();
    },
  };
}

/** The environment of an app instance wired to this emulator, as `npm run dev` wires it. */
export function appEnvFor(emulator: Emulator, baseUrl: string, env: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    ENTRA_TENANT_ID: emulator.tenantId,
    ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
    ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    ENTRA_AUTHORITY_HOST: emulator.authorityHost,
    BASE_URL: baseUrl,
    SESSION_SECRET: TEST_SESSION_SECRET,
    LOG_LEVEL: 'debug',
    ...env,
  };
}
