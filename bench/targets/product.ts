/**
 * The product as production runs it: `start()` from the compiled dist/start.js (the same wiring as
 * src/server.ts) with NODE_ENV=production, the default middleware (helmet, request ids, pino at LOG_LEVEL=info writing to
 * stdout, which the orchestrator redirects to a file), and the session store chosen by the environment.
 *
 * argv: <port> <authority host> <tenant id> <client id> <client secret> (from the emulator). Extra bench-only commands over IPC, never over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { SessionData } from 'express-session';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emit, handle, portArg } from './ipc.js';

// The compiled build, as `npm start` runs it: tsx's on-the-fly transform wraps every closure in a naming
// helper, which would bill the product for work production never does. Types come from src/.
// BENCH_DIST names another build to measure (paired A/B runs of a change: see docs/performance.md "Benchmark").
const distRoot = process.env['BENCH_DIST'] ? pathToFileURL(`${process.env['BENCH_DIST'].replace(/\/$/, '')}/`) : new URL('../../dist/', import.meta.url);
const dist = (file: string) => new URL(file, distRoot);
if (!existsSync(fileURLToPath(dist('start.js')))) throw new Error('no dist/: run `npm run build` first (npm run bench does)');
const { parseConfig } = (await import(dist('config.js').href)) as typeof import('../../src/config.js');
const { createLogger } = (await import(dist('logger.js').href)) as typeof import('../../src/logger.js');
const { start } = (await import(dist('start.js').href)) as typeof import('../../src/start.js');

const port = portArg();
const [, , , authorityHost, tenantId, clientId, clientSecret] = process.argv;
const config = parseConfig({
  ...process.env,
  NODE_ENV: 'production',
  PORT: String(port),
  // BENCH_BASE_URL: the public origin when a proxy is in front (nginx auth_request): the redirect URI and links.
  BASE_URL: process.env['BENCH_BASE_URL'] ?? `http://127.0.0.1:${port}`,
  ENTRA_TENANT_ID: tenantId,
  ENTRA_CLIENT_ID: clientId,
  ENTRA_CLIENT_SECRET: clientSecret,
  ENTRA_AUTHORITY_HOST: authorityHost,
  SESSION_SECRET: 'bench-session-secret-0123456789-0123456789-0123456789',
  // The sign-in measurement drives 1,000 sign-ins from one address; the product's per-IP limit (120 a minute) would stop it.
  RATE_LIMIT_AUTH_MAX: '100000',
});
const running = await start(config, createLogger(config.logLevel), { host: '127.0.0.1' });
const { store, sidIndex } = running.backend;

const storeGet = (sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));
const storeSet = (sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) => store.set(sid, data, (err) => (err ? reject(err) : resolve())));

/**
 * Stores `count` more sessions shaped exactly like a real signed-in one (read back from the store), each
 * with its own user and Entra sid, through the same store.set and sid index the callback uses. Ten
 * thousand real sign-ins through the emulator would take minutes; the stored bytes are the same.
 */
handle('mintSessions', async (args) => {
  const template = await storeGet(String(args['from']));
  if (!template?.user) throw new Error('no signed-in session to copy');
  const count = Number(args['count']);
  for (let i = 0; i < count; i++) {
    const id = randomBytes(24).toString('base64url'); // express-session's own id shape (uid-safe, 24 bytes)
    // Entra's sid is a GUID (36 characters); the emulator's is 21 characters, which would understate what a
    // session costs in production by about 30 bytes (it is in the JSON and is the sid index's key).
    const sid = crypto.randomUUID();
    const oid = crypto.randomUUID();
    // Every value a real session holds of its own is fresh (and the JSON is serialised anew by store.set).
    const data = { ...template, user: { ...template.user, oid, sid }, csrf: randomBytes(24).toString('base64url') } as SessionData;
    await storeSet(id, data);
    await sidIndex.add(sid, id, config.session.absoluteTimeoutMs);
  }
  return count;
});
handle('storeKind', () => running.backend.kind);
/** The stored session's JSON, as the store holds it, for the report's sizes. */
handle('sessionJson', async (args) => JSON.stringify(await storeGet(String(args['id']))));
emit('ready');
