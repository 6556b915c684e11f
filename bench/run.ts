/**
 * `npm run bench`: what the session gate costs, side by side with a bare Express route and with
 * express-openid-connect, on this machine, in one run. Not a test: it asserts nothing, it reports.
 *
 *   npm run bench                 full run (a few minutes)
 *   npm run bench -- --quick      smoke run (tiny durations; the figures are not meaningful)
 *   options: --rounds N --seconds S --warmup S --connections N --signins N --sessions N
 *            --only bare,bare-server,eoc,memory-api,memory-page,redis-api,redis-page,signin --cpu-prof (profiles each measured window into bench/profiles/)
 *            --json FILE (also write the raw results)
 *
 * Method: every measurement starts its target fresh on a random loopback port; the app is pinned to
 * core 0 and everything else (load generator, emulator, Redis, this script) to the other cores; rounds
 * are interleaved (each round measures every target once, in a rotated order) and the report gives
 * medians with min–max and per-round paired ratios.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { Child, freePort, planCores, ROOT } from './child.js';
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
const SIGNINS = Number(opts.signins ?? (quick ? 20 : 1000));
const SESSIONS = Number(opts.sessions ?? (quick ? 1000 : 10_000));

interface Target {
  readonly key: string;
  readonly label: string;
  readonly script: 'bare' | 'eoc' | 'product';
  readonly path: string;
  readonly store?: 'memory' | 'redis';
  /** Extra arguments for the target's script. */
  readonly args?: readonly string[];
}

const ALL_TARGETS: readonly Target[] = [
  { key: 'bare', label: '(a) bare Express 5, one route', script: 'bare', path: '/api/me' },
  { key: 'bare-server', label: "(a') the same, on the product's HTTP server", script: 'bare', path: '/api/me', args: ['--app-server'] },
  { key: 'eoc', label: '(b) express-openid-connect requiresAuth()', script: 'eoc', path: '/api/me' },
  { key: 'memory-api', label: 'product /api/me, memory store', script: 'product', path: '/api/me', store: 'memory' },
  { key: 'memory-page', label: 'product /mha/, memory store', script: 'product', path: '/mha/', store: 'memory' },
  { key: 'redis-api', label: 'product /api/me, Redis store', script: 'product', path: '/api/me', store: 'redis' },
  { key: 'redis-page', label: 'product /mha/, Redis store', script: 'product', path: '/mha/', store: 'redis' },
];

const cores = planCores();
const tool = pickLoadTool();
const work = mkdtempSync(join(tmpdir(), 'mha-bench-'));
const profileDir = join(ROOT, 'bench', 'profiles');
if (opts['cpu-prof']) mkdirSync(profileDir, { recursive: true });
// This script (the sign-in client) belongs with the load side, off the app's core.
if (cores) spawnSync('taskset', ['-pc', cores.load, String(process.pid)], { stdio: 'ignore' });

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Running {
  readonly base: string;
  readonly target: Child;
  readonly emulator?: Child;
  readonly emulatorPaths?: { discoveryPath: string; jwksPath: string };
  stop(): Promise<void>;
}

/** Starts a target fresh: the emulator first (its client knows the target's port), then the target. */
async function startTarget(t: Pick<Target, 'script' | 'store' | 'args'>, redis?: BenchRedis): Promise<Running> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let emulator: Child | undefined;
  let ready: Record<string, unknown> = {};
  if (t.script !== 'bare') {
    const started = await Child.start({ script: 'bench/targets/emulator.ts', args: [base], cores: cores?.load });
    emulator = started.child;
    ready = started.ready;
  }
  const args = [String(port), ...(t.args ?? [])];
  const client = [String(ready['clientId']), String(ready['clientSecret'])];
  if (t.script === 'eoc') args.push(String(ready['issuer']), ...client);
  if (t.script === 'product') args.push(String(ready['authorityHost']), String(ready['tenantId']), ...client);
  const env: Record<string, string> = { NODE_ENV: 'production' };
  if (t.store === 'redis') {
    if (!redis) throw new Error('no Redis for a Redis target');
    Object.assign(env, { SESSION_STORE: 'redis', REDIS_URL: redis.url });
  }
  if (t.store === 'memory') env['SESSION_STORE'] = 'memory';
  const nodeFlags = ['--expose-gc'];
  const { child: target } = await Child.start({
    script: `bench/targets/${t.script}.ts`,
    args,
    cores: cores?.app,
    env,
    nodeFlags,
    stdoutFile: join(work, `${t.script}-${port}.log`),
  }).catch(async (err: unknown) => {
    await emulator?.stop();
    throw err;
  });
  if (t.script === 'product') await waitReady(base);
  return {
    base,
    target,
    emulator,
    emulatorPaths: emulator ? { discoveryPath: String(ready['discoveryPath']), jwksPath: String(ready['jwksPath']) } : undefined,
    async stop() {
      await target.stop();
      await emulator?.stop();
    },
  };
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${base}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${base}/readyz never answered 200`);
}

const routesFor = (t: Pick<Target, 'script'>): SignInRoutes => (t.script === 'eoc' ? EOC_ROUTES : PRODUCT_ROUTES);

interface GatedResult extends LoadResult {
  readonly key: string;
  readonly round: number;
  /** The app's own CPU time per request: unlike req/s, barely moved by whatever else the machine runs. */
  readonly cpuUsPerRequest: number;
  readonly cookieBytes?: number;
  readonly setCookieOnGated?: boolean;
  readonly redisCallsPerRequest?: number;
  readonly redisCalls?: Record<string, number>;
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
    if (opts['cpu-prof']) await run.target.request('profileStart');
    const cpu0 = await run.target.cpuMs();
    const load = await runLoad(tool, { url, headers, seconds: SECONDS, connections: CONNECTIONS, cores: cores?.load });
    const cpu1 = await run.target.cpuMs();
    if (opts['cpu-prof']) {
      const file = await run.target.request<string>('profileStop', { file: join(profileDir, `${t.key}-round${round + 1}.cpuprofile`) });
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
  readonly target: string;
  readonly count: number;
  readonly perSecond: number;
  readonly appCpuMs: number;
  readonly emulatorCpuMs: number;
  readonly discoveryFetches: number;
  readonly jwksFetches: number;
  readonly tokenRequests: number;
}

/** Complete sign-ins through the emulator: throughput, and CPU per sign-in in each process. */
async function measureSignIns(t: Pick<Target, 'script' | 'store'>, count: number): Promise<SignInResult> {
  const run = await startTarget(t);
  try {
    const routes = routesFor(t);
    // Warm-up (JIT, first JWKS fetch) is part of the fetch counts but not of the timings.
    await signInMany(run.base, routes, 20, 4);
    if (opts['cpu-prof']) await run.target.request('profileStart');
    const app0 = await run.target.cpuMs();
    const emu0 = await run.emulator!.cpuMs();
    const t0 = performance.now();
    await signInMany(run.base, routes, count, 8);
    const seconds = (performance.now() - t0) / 1000;
    const app1 = await run.target.cpuMs();
    const emu1 = await run.emulator!.cpuMs();
    if (opts['cpu-prof']) {
      const file = await run.target.request<string>('profileStop', { file: join(profileDir, `signin-${t.script}.cpuprofile`) });
      log(`   profile: ${file}\n${summarizeProfile(file, 'package', 12)}`);
    }
    const hits = await run.emulator!.request<Record<string, number>>('hits');
    const paths = run.emulatorPaths!;
    return {
      target: t.script,
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

/** Heap bytes per stored session: one real sign-in, then `count` more sessions of the same shape. */
async function measureHeap(count: number): Promise<{ bytesPerSession: number; count: number }> {
  const run = await startTarget({ script: 'product', store: 'memory' });
  try {
    const { cookie } = await signIn(run.base, PRODUCT_ROUTES);
    const from = sessionIdOf(cookie);
    const heap0 = await run.target.request<number>('heap');
    await run.target.request('mintSessions', { from, count });
    const heap1 = await run.target.request<number>('heap');
    return { bytesPerSession: (heap1 - heap0) / count, count };
  } finally {
    await run.stop();
  }
}

/** Redis bytes per session (MEMORY USAGE of each key one sign-in leaves behind). */
async function measureRedisBytes(redis: BenchRedis): Promise<Array<{ key: string; bytes: number }>> {
  redis.flush();
  const run = await startTarget({ script: 'product', store: 'redis' }, redis);
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
  const run = await startTarget({ script: 'product', store: 'redis' }, redis).catch((err: unknown) => {
    log(`   Redis store not available in this build: ${String(err).split('\n')[0]}`);
    return undefined;
  });
  if (!run) return false;
  try {
    return (await run.target.request<string>('storeKind')) === 'redis';
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  log(`== bench: ${ROUNDS} round(s) x ${SECONDS}s (+${WARMUP}s warm-up), ${CONNECTIONS} connections, load: ${tool}, ` +
    `pinning: ${cores ? `app on core ${cores.app}, load on ${cores.load}` : 'none (taskset or a second core missing)'}`);
  let redis: BenchRedis | undefined;
  let targets = ALL_TARGETS.filter((t) => !opts.only || opts.only.split(',').includes(t.key));
  if (targets.some((t) => t.store === 'redis')) {
    redis = BenchRedis.available() ? await BenchRedis.start(cores?.load) : undefined;
    if (!redis || !(await productSupportsRedis(redis))) {
      log('   skipping the Redis targets');
      targets = targets.filter((t) => t.store !== 'redis');
    }
  }

  try {
    const gated: GatedResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of roundOrder(targets, round)) {
        const r = await measureGated(t, round, t.store === 'redis' ? redis : undefined);
        log(`   round ${round + 1}: ${t.key.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req` +
          (r.failures ? `  FAILURES ${r.failures}` : ''));
        gated.push(r);
      }
    }

    const runSignIns = !opts.only || opts.only.split(',').includes('signin');
    if (runSignIns) log('== sign-ins');
    const signIns = runSignIns
      ? [await measureSignIns({ script: 'product', store: 'memory' }, SIGNINS), await measureSignIns({ script: 'eoc' }, Math.min(SIGNINS, quick ? 20 : 200))]
      : [];
    if (runSignIns) log('== memory per session');
    const heap = runSignIns ? await measureHeap(SESSIONS) : undefined;
    const redisKeys = redis && targets.some((t) => t.store === 'redis') ? await measureRedisBytes(redis) : undefined;

    const results = { when: new Date().toISOString(), quick, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, tool, cores, gated, signIns, heap, redisKeys };
    if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
    process.stdout.write(report(targets, gated, signIns, heap, redisKeys));
  } finally {
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(
  targets: readonly Target[],
  gated: readonly GatedResult[],
  signIns: readonly SignInResult[],
  heap: { bytesPerSession: number; count: number } | undefined,
  redisKeys: Array<{ key: string; bytes: number }> | undefined,
): string {
  const perRound = (value: (g: GatedResult) => number) =>
    Array.from({ length: ROUNDS }, (_, r) => new Map(gated.filter((g) => g.round === r).map((g) => [g.key, value(g)])));
  const rpsRounds = perRound((g) => g.rps);
  // Capacity from CPU: how many requests one core would serve, 1e6 / (CPU µs per request).
  const capRounds = perRound((g) => 1e6 / g.cpuUsPerRequest);
  const ratio = (rounds: ReturnType<typeof perRound>, a: string, b: string) =>
    a === b ? '1.00x' : fmt(summarize(pairedRatios(rounds, a, b)), 2, 'x');
  const lines: string[] = [];
  lines.push(`\n### Gated requests (${ROUNDS} round(s) x ${SECONDS} s, ${CONNECTIONS} connections, ${tool}; median (min–max))\n`);
  lines.push('| target | req/s | p50 ms | p99 ms | req/s vs bare | req/s vs e-o-c | app CPU µs/request | capacity vs bare | capacity vs e-o-c |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const t of targets) {
    const mine = gated.filter((g) => g.key === t.key);
    if (mine.length === 0) continue;
    const failures = mine.reduce((a, g) => a + g.failures, 0);
    const vsEoc = t.script !== 'product' ? () => '' : (rounds: ReturnType<typeof perRound>) => ratio(rounds, t.key, 'eoc');
    lines.push(
      `| ${t.label}${failures ? ` — **${failures} failed responses**` : ''} | ${fmt(summarize(mine.map((g) => g.rps)))} | ` +
        `${fmt(summarize(mine.map((g) => g.p50Ms)), 2)} | ${fmt(summarize(mine.map((g) => g.p99Ms)), 2)} | ` +
        `${ratio(rpsRounds, t.key, 'bare')} | ${vsEoc(rpsRounds)} | ${fmt(summarize(mine.map((g) => g.cpuUsPerRequest)))} | ` +
        `${ratio(capRounds, t.key, 'bare')} | ${vsEoc(capRounds)} |`,
    );
  }
  lines.push('\n| target | session cookie bytes | Set-Cookie on a gated GET | Redis commands per gated request |');
  lines.push('|---|---|---|---|');
  for (const t of targets) {
    const mine = gated.filter((g) => g.key === t.key);
    const first = mine[0];
    if (!first || first.cookieBytes === undefined) continue;
    const calls = mine.map((g) => g.redisCallsPerRequest).filter((v): v is number => v !== undefined);
    const breakdown = first.redisCalls ? ` (${Object.entries(first.redisCalls).map(([c, n]) => `${c} ${n}`).join(', ')} in round 1)` : '';
    const sizes = summarize(mine.map((g) => g.cookieBytes ?? 0));
    lines.push(
      `| ${t.label} | ${fmt(sizes)} | ${mine.some((g) => g.setCookieOnGated) ? 'yes' : 'no'} | ${calls.length ? `${fmt(summarize(calls), 3)}${breakdown}` : ''} |`,
    );
  }
  if (signIns.length) {
    lines.push('\n### Sign-in (complete flow through the emulator, fresh browser each, 8 at a time)\n');
    lines.push('| target | sign-ins | sign-ins/s | app CPU ms per sign-in | emulator CPU ms per sign-in | discovery fetches | JWKS fetches | token requests |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const s of signIns) {
      lines.push(
        `| ${s.target === 'eoc' ? 'express-openid-connect' : 'product (memory store)'} | ${s.count} (+20 warm-up) | ${s.perSecond.toFixed(0)} | ` +
          `${s.appCpuMs.toFixed(2)} | ${s.emulatorCpuMs.toFixed(2)} | ${s.discoveryFetches} | ${s.jwksFetches} | ${s.tokenRequests} |`,
      );
    }
  }
  if (heap || redisKeys) lines.push('\n### Memory per session\n');
  if (heap) lines.push(`- heap per session (memory store, ${heap.count} sessions, after forced GC): **${heap.bytesPerSession.toFixed(0)} bytes**`);
  if (redisKeys) for (const k of redisKeys) lines.push(`- Redis MEMORY USAGE \`${k.key}\`: **${k.bytes} bytes**`);
  return `${lines.join('\n')}\n`;
}

await main();
