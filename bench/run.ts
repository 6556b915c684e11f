/**
 * `npm run bench`: what the session gate costs, side by side with a bare Express route and with
 * express-openid-connect, and what the product costs in front of a backend (gateway mode, nginx
 * auth_request) next to Apache httpd with mod_auth_openidc, on this machine, in one run. Not a test: it
 * asserts nothing, it reports.
 *
 *   npm run bench                 full run (a few minutes)
 *   npm run bench -- --quick      smoke run (tiny durations; the figures are not meaningful)
 *   options: --rounds N --seconds S --warmup S --connections N --signins N --sessions N --heap-signins N
 *            --only bare,bare-server,eoc,memory-api,memory-page,redis-api,redis-page,gateway-memory,gateway-redis,
 *                   apache-shm,apache-redis,nginx-check,nginx-no-keepalive,signin,heap
 *            --cpu-prof (profiles each measured window of a Node target into bench/profiles/)
 *            --json FILE (also write the raw results)
 *
 * Method: every measurement starts its target fresh on a random loopback port; the app (with nginx in
 * front of it, or Apache in its place) is pinned to core 0 and everything else (load generator, emulator,
 * backend, Redis, this script) to the other cores; rounds
 * are interleaved (each round measures every target once, in a rotated order) and the report gives
 * medians with min–max and per-round paired ratios.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { APACHE_CALLBACK, APACHE_SESSION_COOKIE, apacheMissing, startApache } from './apache.js';
import { Child, freePort, planCores, ROOT } from './child.js';
import { nginxMissing, startBenchNginx } from './nginx.js';
import { pickLoadTool, runLoad, type LoadResult } from './load.js';
import { BenchRedis, callsDelta } from './redis.js';
import { EOC_ROUTES, PRODUCT_ROUTES, signIn, signInMany, type SignInRoutes } from './sign-in.js';
import { summarizeProfile } from './profile-summary.js';
import { fmt, pairedRatios, roundOrder, summarize } from './stats.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    signins: { type: 'string' },
    sessions: { type: 'string' },
    'heap-signins': { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const quick = opts.quick;
const ROUNDS = Number(opts.rounds ?? (quick ? 1 : 3));
const SECONDS = Number(opts.seconds ?? (quick ? 1 : 6));
const WARMUP = Number(opts.warmup ?? (quick ? 1 : 2));
const CONNECTIONS = Number(opts.connections);
// Per sign-in target and round (express-openid-connect: at most 200).
const SIGNINS = Number(opts.signins ?? (quick ? 20 : 300));
const SESSIONS = Number(opts.sessions ?? (quick ? 1000 : 10_000));
const HEAP_SIGNINS = Number(opts['heap-signins'] ?? (quick ? 20 : 500));

type Script = 'bare' | 'eoc' | 'product' | 'apache' | 'nginx';

interface Target {
  readonly key: string;
  readonly label: string;
  readonly script: Script;
  readonly path: string;
  /** The product's session store; for Apache, its mod_auth_openidc cache ('memory' is its shm cache). */
  readonly store?: 'memory' | 'redis';
  /** The product in gateway mode (UPSTREAM_URL to the bench's backend), `path` proxied there. */
  readonly gateway?: boolean;
  /** Which table: the gate next to bare Express (`gate`), or a gate in front of the backend (`proxy`). */
  readonly group: 'gate' | 'proxy';
  /** The target its paired ratios are against, in the proxy table and the sign-in table. */
  readonly peer?: string;
  /** Extra arguments for the target's script. */
  readonly args?: readonly string[];
}

const ALL_TARGETS: readonly Target[] = [
  { key: 'bare', label: '(a) bare Express 5, one route', script: 'bare', path: '/api/me', group: 'gate' },
  { key: 'bare-server', label: "(a') the same, on the product's HTTP server", script: 'bare', path: '/api/me', args: ['--app-server'], group: 'gate' },
  { key: 'eoc', label: '(b) express-openid-connect requiresAuth()', script: 'eoc', path: '/api/me', group: 'gate' },
  { key: 'memory-api', label: 'product /api/me, memory store', script: 'product', path: '/api/me', store: 'memory', group: 'gate' },
  { key: 'memory-page', label: 'product /mha/, memory store', script: 'product', path: '/mha/', store: 'memory', group: 'gate' },
  { key: 'redis-api', label: 'product /api/me, Redis store', script: 'product', path: '/api/me', store: 'redis', group: 'gate' },
  { key: 'redis-page', label: 'product /mha/, Redis store', script: 'product', path: '/mha/', store: 'redis', group: 'gate' },
  { key: 'gateway-memory', label: 'product gateway mode, memory store', script: 'product', path: '/mha/', store: 'memory', gateway: true, group: 'proxy', peer: 'apache-shm' },
  { key: 'gateway-redis', label: 'product gateway mode, Redis store', script: 'product', path: '/mha/', store: 'redis', gateway: true, group: 'proxy', peer: 'apache-redis' },
  { key: 'apache-shm', label: 'Apache httpd + mod_auth_openidc, shm cache', script: 'apache', path: '/mha/', store: 'memory', group: 'proxy' },
  { key: 'apache-redis', label: 'Apache httpd + mod_auth_openidc, Redis cache', script: 'apache', path: '/mha/', store: 'redis', group: 'proxy' },
  { key: 'nginx-check', label: 'nginx auth_request to product /auth/check (README snippet), memory store', script: 'nginx', path: '/mha/', store: 'memory', group: 'proxy', peer: 'apache-shm' },
  { key: 'nginx-no-keepalive', label: 'the same without its keep-alive lines (the snippet before issue 19)', script: 'nginx', path: '/mha/', store: 'memory', group: 'proxy', peer: 'nginx-check', args: ['--no-keepalive'] },
];

/** Complete sign-ins: the product as the gateway runs it, the C module, express-openid-connect. */
const SIGNIN_TARGETS: readonly Target[] = [
  { key: 'product-memory', label: 'product gateway mode, memory store', script: 'product', path: '/mha/', store: 'memory', gateway: true, group: 'proxy', peer: 'apache-shm' },
  { key: 'product-redis', label: 'product gateway mode, Redis store', script: 'product', path: '/mha/', store: 'redis', gateway: true, group: 'proxy', peer: 'apache-redis' },
  { key: 'apache-shm', label: 'Apache httpd + mod_auth_openidc, shm cache', script: 'apache', path: '/mha/', store: 'memory', group: 'proxy' },
  { key: 'apache-redis', label: 'Apache httpd + mod_auth_openidc, Redis cache', script: 'apache', path: '/mha/', store: 'redis', group: 'proxy' },
  { key: 'eoc', label: 'express-openid-connect', script: 'eoc', path: '/api/me', group: 'gate' },
];

const cores = planCores();
const tool = pickLoadTool();
const work = mkdtempSync(join(tmpdir(), 'mha-bench-'));
const profileDir = join(ROOT, 'bench', 'profiles');
if (opts['cpu-prof']) mkdirSync(profileDir, { recursive: true });
// This script (the sign-in client) belongs with the load side, off the app's core.
if (cores) spawnSync('taskset', ['-pc', cores.load, String(process.pid)], { stdio: 'ignore' });

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Whatever the load hits: a Node target (CPU over IPC) or a native server (CPU from /proc). */
interface Measurable {
  cpuMs(): Promise<number>;
}

interface Running {
  readonly base: string;
  /** The server side whose CPU is measured (for nginx: nginx and the product together). */
  readonly target: Measurable;
  /** The Node process, when there is one to profile or to ask over IPC. */
  readonly node?: Child;
  /** The target's processes measured one by one, when it is several (nginx and the product). */
  readonly parts?: Record<string, Measurable>;
  readonly emulator?: Child;
  readonly emulatorPaths?: { discoveryPath: string; jwksPath: string };
  stop(): Promise<void>;
}

const needsBackend = (t: Pick<Target, 'script' | 'gateway'>) => t.gateway === true || t.script === 'apache' || t.script === 'nginx';

/**
 * Starts a target fresh: the backend and the emulator first (its client knows the target's port), then
 * the target. Whatever started is stopped again if a later step fails.
 */
async function startTarget(t: Pick<Target, 'script' | 'store' | 'args' | 'gateway' | 'path'>, redis?: BenchRedis): Promise<Running> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
  };
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let backendUrl: string | undefined;
    if (needsBackend(t)) {
      const backendPort = await freePort();
      const { child } = await Child.start({ script: 'bench/targets/backend.ts', args: [String(backendPort)], cores: cores?.load });
      started.push(child);
      backendUrl = `http://127.0.0.1:${backendPort}`;
    }
    let emulator: Child | undefined;
    let ready: Record<string, unknown> = {};
    if (t.script !== 'bare') {
      const emu = await Child.start({ script: 'bench/targets/emulator.ts', args: [base], cores: cores?.load });
      emulator = emu.child;
      started.push(emulator);
      ready = emu.ready;
    }
    if (t.store === 'redis' && !redis) throw new Error('no Redis for a Redis target');
    const emulatorPaths = emulator ? { discoveryPath: String(ready['discoveryPath']), jwksPath: String(ready['jwksPath']) } : undefined;
    const running = (target: Measurable, extra: Partial<Pick<Running, 'node' | 'parts'>> = {}): Running => ({
      base,
      target,
      ...extra,
      emulator,
      emulatorPaths,
      stop: stopAll,
    });

    if (t.script === 'apache') {
      const apache = await startApache(
        {
          port,
          metadataUrl: `${String(ready['authorityHost'])}${emulatorPaths!.discoveryPath}`,
          clientId: String(ready['clientId']),
          clientSecret: String(ready['clientSecret']),
          backend: backendUrl!,
          prefix: t.path,
          cache: t.store === 'redis' ? { type: 'redis', server: `127.0.0.1:${redis!.port}` } : { type: 'shm' },
        },
        cores?.app,
      );
      started.push(apache);
      return running(apache);
    }

    // The product behind nginx listens on a port of its own; nginx's is the public one.
    const nodePort = t.script === 'nginx' ? await freePort() : port;
    const args = [String(nodePort), ...(t.script === 'nginx' ? [] : (t.args ?? []))];
    const client = [String(ready['clientId']), String(ready['clientSecret'])];
    if (t.script === 'eoc') args.push(String(ready['issuer']), ...client);
    if (t.script === 'product' || t.script === 'nginx') args.push(String(ready['authorityHost']), String(ready['tenantId']), ...client);
    const env: Record<string, string> = { NODE_ENV: 'production' };
    if (t.store === 'redis') Object.assign(env, { SESSION_STORE: 'redis', REDIS_URL: redis!.url });
    if (t.store === 'memory') env['SESSION_STORE'] = 'memory';
    if (t.gateway) env['UPSTREAM_URL'] = backendUrl!;
    if (t.script === 'nginx') env['BENCH_BASE_URL'] = base;
    const script = t.script === 'nginx' ? 'product' : t.script;
    const { child: node } = await Child.start({
      script: `bench/targets/${script}.ts`,
      args,
      cores: cores?.app,
      env,
      nodeFlags: ['--expose-gc'],
      stdoutFile: join(work, `${script}-${nodePort}.log`),
    });
    started.push(node);
    if (script === 'product') await waitReady(`http://127.0.0.1:${nodePort}`);
    if (t.script !== 'nginx') return running(node, { node });

    const keepAlive = !(t.args ?? []).includes('--no-keepalive');
    const nginx = await startBenchNginx({ port, appUrl: `http://127.0.0.1:${nodePort}`, backendUrl: backendUrl!, keepAlive, cores: cores?.app });
    started.push(nginx);
    const pair: Measurable = { cpuMs: async () => (await node.cpuMs()) + (await nginx.cpuMs()) };
    return running(pair, { node, parts: { nginx, product: node } });
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${base}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${base}/readyz never answered 200`);
}

/** mod_auth_openidc: any gated URL starts the sign-in; its redirect URI is the callback. */
const APACHE_ROUTES: SignInRoutes = {
  login: '/mha/',
  callback: APACHE_CALLBACK,
  sessionCookie: (name) => name === APACHE_SESSION_COOKIE,
};

const routesFor = (t: Pick<Target, 'script'>): SignInRoutes =>
  t.script === 'eoc' ? EOC_ROUTES : t.script === 'apache' ? APACHE_ROUTES : PRODUCT_ROUTES;

interface GatedResult extends LoadResult {
  readonly key: string;
  readonly round: number;
  /** The app's own CPU time per request: unlike req/s, barely moved by whatever else the machine runs. */
  readonly cpuUsPerRequest: number;
  readonly cookieBytes?: number;
  readonly setCookieOnGated?: boolean;
  readonly redisCallsPerRequest?: number;
  readonly redisCalls?: Record<string, number>;
  /** CPU µs per request of each process, when the target is several (nginx, the product). */
  readonly partsUsPerRequest?: Record<string, number>;
}

async function cpuOfParts(run: Running): Promise<Record<string, number> | undefined> {
  if (!run.parts) return undefined;
  const out: Record<string, number> = {};
  for (const [name, part] of Object.entries(run.parts)) out[name] = await part.cpuMs();
  return out;
}

/** The gated GET answers 200 with this cookie; returns whether it sent a Set-Cookie. */
async function checkGated(url: string, cookie: string | undefined): Promise<boolean> {
  const res = await fetch(url, { headers: cookie ? { cookie, accept: 'text/html,application/json' } : {}, redirect: 'manual' });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} with the session cookie: the measurement would be void`);
  return res.headers.getSetCookie().length > 0;
}

async function measureGated(t: Target, round: number, redis?: BenchRedis): Promise<GatedResult> {
  redis?.flush();
  const run = await startTarget(t, redis);
  try {
    const cookie = t.script === 'bare' ? undefined : (await signIn(run.base, routesFor(t))).cookie;
    const url = `${run.base}${t.path}`;
    const setCookieOnGated = await checkGated(url, cookie);
    const headers: Record<string, string> = cookie ? { cookie } : {};
    await runLoad(tool, { url, headers, seconds: WARMUP, connections: CONNECTIONS, cores: cores?.load });
    const before = redis?.commandCalls();
    const profiling = opts['cpu-prof'] && run.node !== undefined;
    if (profiling) await run.node!.request('profileStart');
    const parts0 = await cpuOfParts(run);
    const cpu0 = await run.target.cpuMs();
    const load = await runLoad(tool, { url, headers, seconds: SECONDS, connections: CONNECTIONS, cores: cores?.load });
    const cpu1 = await run.target.cpuMs();
    const parts1 = await cpuOfParts(run);
    if (profiling) {
      const file = await run.node!.request<string>('profileStop', { file: join(profileDir, `${t.key}-round${round + 1}.cpuprofile`) });
      log(`   profile: ${file}\n${summarizeProfile(file, 'package', 12)}`);
    }
    const delta = redis && before ? callsDelta(before, redis.commandCalls()) : undefined;
    // Still signed in afterwards: every measured response was the gated page, not a redirect to sign-in.
    await checkGated(url, cookie);
    const redisTotal = delta ? [...delta.values()].reduce((a, b) => a + b, 0) : undefined;
    return {
      key: t.key,
      round,
      ...load,
      cpuUsPerRequest: ((cpu1 - cpu0) * 1000) / load.requests,
      ...(parts0 && parts1
        ? { partsUsPerRequest: Object.fromEntries(Object.keys(parts0).map((k) => [k, ((parts1[k]! - parts0[k]!) * 1000) / load.requests])) }
        : {}),
      ...(cookie ? { cookieBytes: Buffer.byteLength(cookie) } : {}),
      ...(cookie ? { setCookieOnGated } : {}),
      ...(delta && redisTotal !== undefined
        ? { redisCallsPerRequest: redisTotal / load.requests, redisCalls: Object.fromEntries(delta) }
        : {}),
    };
  } finally {
    await run.stop();
  }
}

interface SignInResult {
  readonly key: string;
  readonly round: number;
  readonly count: number;
  readonly perSecond: number;
  /** The server side's CPU per sign-in (the product's, or Apache's whole process tree). */
  readonly appCpuMs: number;
  readonly emulatorCpuMs: number;
  readonly discoveryFetches: number;
  readonly jwksFetches: number;
  readonly tokenRequests: number;
}

/** Complete sign-ins through the emulator: throughput, and CPU per sign-in in each process. */
async function measureSignIns(t: Target, round: number, count: number, redis?: BenchRedis): Promise<SignInResult> {
  redis?.flush();
  const run = await startTarget(t, redis);
  try {
    const routes = routesFor(t);
    // Warm-up (JIT, first JWKS fetch) is part of the fetch counts but not of the timings.
    await signInMany(run.base, routes, 20, 4);
    const profiling = opts['cpu-prof'] && run.node !== undefined;
    if (profiling) await run.node!.request('profileStart');
    const app0 = await run.target.cpuMs();
    const emu0 = await run.emulator!.cpuMs();
    const t0 = performance.now();
    await signInMany(run.base, routes, count, 8);
    const seconds = (performance.now() - t0) / 1000;
    const app1 = await run.target.cpuMs();
    const emu1 = await run.emulator!.cpuMs();
    if (profiling) {
      const file = await run.node!.request<string>('profileStop', { file: join(profileDir, `signin-${t.key}-round${round + 1}.cpuprofile`) });
      log(`   profile: ${file}\n${summarizeProfile(file, 'package', 12)}`);
    }
    const hits = await run.emulator!.request<Record<string, number>>('hits');
    const paths = run.emulatorPaths!;
    return {
      key: t.key,
      round,
      count,
      perSecond: count / seconds,
      appCpuMs: (app1 - app0) / count,
      emulatorCpuMs: (emu1 - emu0) / count,
      discoveryFetches: hits[paths.discoveryPath] ?? 0,
      jwksFetches: hits[paths.jwksPath] ?? 0,
      tokenRequests: Object.entries(hits).find(([p]) => p.endsWith('/oauth2/v2.0/token'))?.[1] ?? 0,
    };
  } finally {
    await run.stop();
  }
}

interface HeapResult {
  readonly count: number;
  /**
   * heapUsed + external per session, as the slope between `count` and 2 x `count` stored sessions (after a
   * full GC each time): what each more session costs, without the fixed costs that do not grow with
   * sessions (code V8 compiles, caches that fill up to their bound, the Maps' first tables).
   */
  readonly bytesPerSession: number;
  readonly heapBytesPerSession: number;
  readonly externalBytesPerSession: number;
  /** (memory at `count` sessions - memory before the first) / `count`: fixed costs spread over the sessions. */
  readonly averageFromEmptyBytes: number;
  /** The same memory, grown by real sign-ins through the emulator (includes code compiled meanwhile). */
  readonly realSignIns: number;
  readonly realBytesPerSignIn: number;
  /** Sizes that make up a session: the stored JSON, the session id, Entra's sid. */
  readonly sessionJsonBytes: number;
  readonly sessionIdChars: number;
  readonly entraSidChars: number;
}

type Mem = { heapUsed: number; external: number };
const total = (m: Mem) => m.heapUsed + m.external;

/**
 * Memory per stored session with the memory store. One real sign-in gives the template; `count` and then
 * `count` more sessions of its shape (fresh ids and values) are stored through the same store.set and sid
 * index the callback uses; the per-session figure is the slope between the two. A last step runs real
 * sign-ins as a cross-check.
 */
async function measureHeap(count: number, realSignIns: number): Promise<HeapResult> {
  const run = await startTarget({ script: 'product', store: 'memory', path: '/mha/' });
  try {
    const node = run.node!;
    // Warm-up: the sign-in path compiled and every lazily built thing (JWKS, discovery, caches) in place.
    await signInMany(run.base, PRODUCT_ROUTES, 20, 4);
    const { cookie } = await signIn(run.base, PRODUCT_ROUTES);
    const from = sessionIdOf(cookie);
    const json = await node.request<string>('sessionJson', { id: from });
    const sid = (JSON.parse(json) as { user?: { sid?: string } }).user?.sid ?? '';
    const m0 = await node.request<Mem>('memory');
    await node.request('mintSessions', { from, count });
    const m1 = await node.request<Mem>('memory');
    await node.request('mintSessions', { from, count });
    const m2 = await node.request<Mem>('memory');
    await signInMany(run.base, PRODUCT_ROUTES, realSignIns, 8);
    const m3 = await node.request<Mem>('memory');
    return {
      count,
      bytesPerSession: (total(m2) - total(m1)) / count,
      heapBytesPerSession: (m2.heapUsed - m1.heapUsed) / count,
      externalBytesPerSession: (m2.external - m1.external) / count,
      averageFromEmptyBytes: (total(m1) - total(m0)) / count,
      realSignIns,
      realBytesPerSignIn: (total(m3) - total(m2)) / realSignIns,
      sessionJsonBytes: Buffer.byteLength(json),
      sessionIdChars: from.length,
      entraSidChars: sid.length,
    };
  } finally {
    await run.stop();
  }
}

function heapLines(h: HeapResult): string[] {
  return [
    `- memory per session (memory store, heapUsed + external after a full GC, the slope from ${h.count} to ${2 * h.count} sessions): ` +
      `**${h.bytesPerSession.toFixed(0)} bytes** (heap ${h.heapBytesPerSession.toFixed(0)}, external ${h.externalBytesPerSession.toFixed(0)})`,
    `- the same memory over the first ${h.count} sessions divided by ${h.count} (fixed costs included): ${h.averageFromEmptyBytes.toFixed(0)} bytes`,
    `- grown by ${h.realSignIns} real sign-ins through the emulator, per sign-in (includes code V8 compiles meanwhile: an upper bound): ${h.realBytesPerSignIn.toFixed(0)} bytes`,
    `- what the signed-in session holds: its JSON ${h.sessionJsonBytes} bytes (as stored), a ${h.sessionIdChars}-character session id, ` +
      `a ${h.entraSidChars}-character sid from the emulator (the minted ones carry a 36-character GUID, as Entra's sid is)`,
  ];
}

/** Redis bytes per session (MEMORY USAGE of each key one sign-in leaves behind). */
async function measureRedisBytes(redis: BenchRedis): Promise<Array<{ key: string; bytes: number }>> {
  redis.flush();
  const run = await startTarget({ script: 'product', store: 'redis', path: '/mha/' }, redis);
  try {
    await signIn(run.base, PRODUCT_ROUTES);
    return redis.keyUsage().map(({ key, bytes }) => ({ key: key.replace(/[A-Za-z0-9_-]{20,}/g, '<id>'), bytes }));
  } finally {
    await run.stop();
  }
}

/** express-session's cookie is `s:<id>.<signature>`, URL-encoded. */
function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const m = /^s:([^.]+)\./.exec(value);
  if (!m) throw new Error(`not an express-session cookie: ${cookie}`);
  return m[1]!;
}

/** Whether this build can run on Redis at all (SESSION_STORE=redis): asks the product itself. */
async function productSupportsRedis(redis: BenchRedis): Promise<boolean> {
  const run = await startTarget({ script: 'product', store: 'redis', path: '/mha/' }, redis).catch((err: unknown) => {
    log(`   Redis store not available in this build: ${String(err).split('\n')[0]}`);
    return undefined;
  });
  if (!run) return false;
  try {
    return (await run.node!.request<string>('storeKind')) === 'redis';
  } finally {
    await run.stop();
  }
}

/** Targets this machine cannot run, each with the reason printed once. */
function unavailable(targets: readonly Target[]): Set<string> {
  const skip = new Set<string>();
  const apache = targets.some((t) => t.script === 'apache') ? apacheMissing() : undefined;
  const nginx = targets.some((t) => t.script === 'nginx') ? nginxMissing() : undefined;
  if (apache) log(`   skipping the mod_auth_openidc targets: ${apache}`);
  if (nginx) log(`   skipping the nginx target: ${nginx}`);
  for (const t of targets) if ((apache && t.script === 'apache') || (nginx && t.script === 'nginx')) skip.add(t.key);
  return skip;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  log(`== bench: ${ROUNDS} round(s) x ${SECONDS}s (+${WARMUP}s warm-up), ${CONNECTIONS} connections, load: ${tool}, ` +
    `pinning: ${cores ? `app on core ${cores.app}, load on ${cores.load}` : 'none (taskset or a second core missing)'}, ` +
    `load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const only = opts.only?.split(',');
  let targets = ALL_TARGETS.filter((t) => !only || only.includes(t.key));
  const runSignIns = !only || only.includes('signin');
  const runHeap = !only || only.includes('heap') || only.includes('signin');
  let signInTargets = runSignIns ? SIGNIN_TARGETS : [];
  const skip = unavailable([...targets, ...signInTargets]);
  let redis: BenchRedis | undefined;
  if ([...targets, ...signInTargets].some((t) => t.store === 'redis')) {
    redis = BenchRedis.available() ? await BenchRedis.start(cores?.load) : undefined;
    if (!redis || !(await productSupportsRedis(redis))) {
      log('   skipping the Redis targets');
      for (const t of [...targets, ...signInTargets]) if (t.store === 'redis') skip.add(t.key);
    }
  }
  targets = targets.filter((t) => !skip.has(t.key));
  signInTargets = signInTargets.filter((t) => !skip.has(t.key));

  try {
    const gated: GatedResult[] = [];
    const signIns: SignInResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of roundOrder(targets, round)) {
        const r = await measureGated(t, round, t.store === 'redis' ? redis : undefined);
        const parts = r.partsUsPerRequest ? ` (${Object.entries(r.partsUsPerRequest).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})` : '';
        log(`   round ${round + 1}: ${t.key.padEnd(14)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req${parts}` +
          (r.failures ? `  FAILURES ${r.failures}` : ''));
        gated.push(r);
      }
      // Sign-ins in the same rounds, so their ratios are paired like the gated ones.
      for (const t of roundOrder(signInTargets, round)) {
        const count = t.script === 'eoc' ? Math.min(SIGNINS, 200) : SIGNINS;
        const r = await measureSignIns(t, round, count, t.store === 'redis' ? redis : undefined);
        log(`   round ${round + 1}: sign-in ${t.key.padEnd(14)} ${r.perSecond.toFixed(0).padStart(4)}/s  ${r.appCpuMs.toFixed(2)} ms server CPU  ${r.emulatorCpuMs.toFixed(2)} ms emulator CPU`);
        signIns.push(r);
      }
    }

    if (runHeap) log('== memory per session');
    const heap = runHeap ? await measureHeap(SESSIONS, HEAP_SIGNINS) : undefined;
    const redisKeys = redis && targets.some((t) => t.store === 'redis' && t.script === 'product') ? await measureRedisBytes(redis) : undefined;

    const load1 = loadavg();
    const results = { when: new Date().toISOString(), quick, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, tool, cores, loadavg: { start: load0, end: load1 }, gated, signIns, heap, redisKeys };
    if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
    process.stdout.write(`\n${new Date().toISOString()}: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`, load average ${load0[0]!.toFixed(2)} at the start, ${load1[0]!.toFixed(2)} at the end (${cpus().length} cores)\n`);
    process.stdout.write(report(targets, gated, [...SIGNIN_TARGETS].filter((t) => signInTargets.includes(t)), signIns, heap, redisKeys));
  } finally {
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(
  targets: readonly Target[],
  gated: readonly GatedResult[],
  signInTargets: readonly Target[],
  signIns: readonly SignInResult[],
  heap: HeapResult | undefined,
  redisKeys: Array<{ key: string; bytes: number }> | undefined,
): string {
  const perRound = <R extends { key: string; round: number }>(results: readonly R[], value: (r: R) => number) =>
    Array.from({ length: ROUNDS }, (_, round) => new Map(results.filter((r) => r.round === round).map((r) => [r.key, value(r)])));
  const rpsRounds = perRound(gated, (g) => g.rps);
  // Capacity from CPU: how many requests one core would serve, 1e6 / (CPU µs per request).
  const capRounds = perRound(gated, (g) => 1e6 / g.cpuUsPerRequest);
  const ratio = (rounds: ReadonlyArray<ReadonlyMap<string, number>>, a: string, b: string) =>
    a === b ? '1.00x' : fmt(summarize(pairedRatios(rounds, a, b)), 2, 'x');
  const failed = (mine: readonly GatedResult[]) => {
    const failures = mine.reduce((a, g) => a + g.failures, 0);
    return failures ? ` — **${failures} failed responses**` : '';
  };
  const lines: string[] = [];
  const gate = targets.filter((t) => t.group === 'gate' && gated.some((g) => g.key === t.key));
  if (gate.length) {
    lines.push(`\n### Gated requests (${ROUNDS} round(s) x ${SECONDS} s, ${CONNECTIONS} connections, ${tool}; median (min–max))\n`);
    lines.push('| target | req/s | p50 ms | p99 ms | req/s vs bare | req/s vs e-o-c | app CPU µs/request | capacity vs bare | capacity vs e-o-c |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
  }
  for (const t of gate) {
    const mine = gated.filter((g) => g.key === t.key);
    const vsEoc = t.script !== 'product' ? () => '' : (rounds: ReadonlyArray<ReadonlyMap<string, number>>) => ratio(rounds, t.key, 'eoc');
    lines.push(
      `| ${t.label}${failed(mine)} | ${fmt(summarize(mine.map((g) => g.rps)))} | ` +
        `${fmt(summarize(mine.map((g) => g.p50Ms)), 2)} | ${fmt(summarize(mine.map((g) => g.p99Ms)), 2)} | ` +
        `${ratio(rpsRounds, t.key, 'bare')} | ${vsEoc(rpsRounds)} | ${fmt(summarize(mine.map((g) => g.cpuUsPerRequest)))} | ` +
        `${ratio(capRounds, t.key, 'bare')} | ${vsEoc(capRounds)} |`,
    );
  }
  const proxy = targets.filter((t) => t.group === 'proxy' && gated.some((g) => g.key === t.key));
  if (proxy.length) {
    lines.push(`\n### In front of a backend: a gated GET /mha/ proxied to the same backend (${ROUNDS} round(s) x ${SECONDS} s, ${CONNECTIONS} connections, ${tool}; median (min–max))\n`);
    lines.push('Server CPU is everything on the pinned core: the product, Apache\'s process tree, or nginx and the product together. ' +
      '*capacity vs peer* is the peer\'s CPU per request over this one\'s, paired per round (above 1.00x: cheaper than the peer).\n');
    lines.push('| target | req/s | p50 ms | p99 ms | server CPU µs/request | peer | capacity vs peer | req/s vs peer |');
    lines.push('|---|---|---|---|---|---|---|---|');
  }
  for (const t of proxy) {
    const mine = gated.filter((g) => g.key === t.key);
    const parts = mine[0]?.partsUsPerRequest
      ? ` (${Object.keys(mine[0].partsUsPerRequest).map((k) => `${k} ${fmt(summarize(mine.map((g) => g.partsUsPerRequest?.[k] ?? NaN)))}`).join(', ')})`
      : '';
    const peer = t.peer && gated.some((g) => g.key === t.peer) ? t.peer : undefined;
    lines.push(
      `| ${t.label}${failed(mine)} | ${fmt(summarize(mine.map((g) => g.rps)))} | ` +
        `${fmt(summarize(mine.map((g) => g.p50Ms)), 2)} | ${fmt(summarize(mine.map((g) => g.p99Ms)), 2)} | ` +
        `${fmt(summarize(mine.map((g) => g.cpuUsPerRequest)))}${parts} | ${peer ?? ''} | ` +
        `${peer ? ratio(capRounds, t.key, peer) : ''} | ${peer ? ratio(rpsRounds, t.key, peer) : ''} |`,
    );
  }
  const withCookie = targets.filter((t) => gated.some((g) => g.key === t.key && g.cookieBytes !== undefined));
  if (withCookie.length) {
    lines.push('\n| target | session cookie bytes | Set-Cookie on a gated GET | Redis commands per gated request |');
    lines.push('|---|---|---|---|');
  }
  for (const t of withCookie) {
    const mine = gated.filter((g) => g.key === t.key);
    const first = mine[0]!;
    const calls = mine.map((g) => g.redisCallsPerRequest).filter((v): v is number => v !== undefined);
    const breakdown = first.redisCalls ? ` (${Object.entries(first.redisCalls).map(([c, n]) => `${c} ${n}`).join(', ')} in round 1)` : '';
    const sizes = summarize(mine.map((g) => g.cookieBytes ?? 0));
    lines.push(
      `| ${t.label} | ${fmt(sizes)} | ${mine.some((g) => g.setCookieOnGated) ? 'yes' : 'no'} | ${calls.length ? `${fmt(summarize(calls), 3)}${breakdown}` : ''} |`,
    );
  }
  if (signIns.length) {
    const cpuRounds = perRound(signIns, (s) => s.appCpuMs);
    lines.push(`\n### Sign-in (complete flow through the emulator, fresh browser each, 8 at a time; ${ROUNDS} round(s), median (min–max))\n`);
    lines.push('*CPU vs peer* is this target\'s server CPU per sign-in over its peer\'s, paired per round (below 1.00x: cheaper than the peer).\n');
    lines.push('| target | sign-ins per round | sign-ins/s | server CPU ms per sign-in | peer | CPU vs peer | emulator CPU ms per sign-in | discovery / JWKS fetches / token requests (round 1) |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const t of signInTargets) {
      const mine = signIns.filter((s) => s.key === t.key);
      const first = mine[0];
      if (!first) continue;
      const peer = t.peer && signIns.some((s) => s.key === t.peer) ? t.peer : undefined;
      lines.push(
        `| ${t.label} | ${first.count} (+20 warm-up) | ${fmt(summarize(mine.map((s) => s.perSecond)))} | ` +
          `${fmt(summarize(mine.map((s) => s.appCpuMs)), 2)} | ${peer ?? ''} | ${peer ? fmt(summarize(pairedRatios(cpuRounds, t.key, peer)), 2, 'x') : ''} | ` +
          `${fmt(summarize(mine.map((s) => s.emulatorCpuMs)), 2)} | ${first.discoveryFetches} / ${first.jwksFetches} / ${first.tokenRequests} |`,
      );
    }
  }
  if (heap || redisKeys) lines.push('\n### Memory per session\n');
  if (heap) lines.push(...heapLines(heap));
  if (redisKeys) for (const k of redisKeys) lines.push(`- Redis MEMORY USAGE \`${k.key}\`: **${k.bytes} bytes**`);
  return `${lines.join('\n')}\n`;
}

await main();
