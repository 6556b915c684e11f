/**
 * `npm run test:container`: what `docker build` and `docker run` would do, without a Docker engine.
 *
 * It reads the Dockerfile and performs its steps itself, stage by stage, each stage in a directory that
 * stands for the image's filesystem: COPY copies exactly what the Dockerfile names (from the build
 * context or an earlier stage), RUN runs its command there, ENV/USER/HEALTHCHECK/CMD are honoured. Then
 * it starts the final stage's CMD as an unprivileged user with NODE_ENV=production against the Entra
 * emulator on loopback, signs B.Simon in, runs the HEALTHCHECK command, checks that nothing was written
 * inside the image, and stops it with SIGTERM. It fails with a message on the first thing that differs.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator } from '../src/dev/emulator.js';
import { Browser } from '../test/support/browser.js';
import { freePort } from '../test/support/process.js';

const CONTEXT = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

interface Instruction {
  readonly op: string;
  readonly args: string;
}

interface Stage {
  readonly name: string;
  readonly root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  healthcheck?: string[];
  cmd?: string[];
}

function step(message: string): void {
  process.stdout.write(`== ${message}\n`);
}

function fail(message: string): never {
  throw new Error(message);
}

/** Dockerfile lines, continuations joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** .dockerignore patterns (top-level names and simple globs), as the build context filter. */
function dockerignore(): (rel: string) => boolean {
  const file = join(CONTEXT, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : [];
  const toRegex = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
  const rules = patterns.map((p) => ({ negate: p.startsWith('!'), re: toRegex(p.replace(/^!/, '').replace(/^\//, '')) }));
  return (rel) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(rel)) ignored = !r.negate;
    return ignored;
  };
}

function copy(stage: Stage, args: string, stages: Map<string, Stage>, ignored: (rel: string) => boolean): void {
  const parts = args.split(/\s+/);
  let from: Stage | undefined;
  const paths = parts.filter((p) => {
    if (p.startsWith('--from=')) {
      from = stages.get(p.slice(7)) ?? fail(`COPY ${args}: no stage named ${p.slice(7)}`);
      return false;
    }
    return !p.startsWith('--');
  });
  const dest = paths.pop()!;
  const destAbs = join(stage.root, dest.startsWith('/') ? dest : join(stage.workdir, dest));
  for (const src of paths) {
    const srcAbs = from ? join(from.root, src.startsWith('/') ? src : join(from.workdir, src)) : join(CONTEXT, src);
    if (!existsSync(srcAbs)) fail(`COPY ${args}: ${src} does not exist`);
    if (!from && ignored(src)) fail(`COPY ${args}: ${src} is excluded by .dockerignore`);
    const target = dest.endsWith('/') && !statSync(srcAbs).isDirectory() ? join(destAbs, src.split('/').pop()!) : destAbs;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(srcAbs, target, {
      recursive: true,
      filter: (path) => from !== undefined || !ignored(relative(CONTEXT, path)),
    });
  }
}

function run(stage: Stage, command: string): void {
  const cwd = join(stage.root, stage.workdir);
  mkdirSync(cwd, { recursive: true });
  step(`[${stage.name}] RUN ${command}`);
  const result = spawnSync('sh', ['-c', command], { cwd, env: { ...process.env, ...stage.env }, stdio: 'inherit' });
  if (result.status !== 0) fail(`RUN ${command} exited ${result.status}`);
}

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return env;
}

function jsonArray(args: string, what: string): string[] {
  try {
    const value = JSON.parse(args) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // fall through
  }
  return fail(`${what} must be exec form (a JSON array), got ${args}`);
}

/** Builds every stage; returns the last one (the image). */
function build(workspace: string): Stage {
  const ignored = dockerignore();
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  let index = 0;
  const bases: string[] = [];
  for (const { op, args } of parseDockerfile(readFileSync(join(CONTEXT, 'Dockerfile'), 'utf8'))) {
    if (op === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      bases.push(image!);
      const stageName = as?.toUpperCase() === 'AS' && name ? name : String(index);
      stage = { name: stageName, root: join(workspace, `stage-${index++}`), workdir: '/', env: {}, user: 'root' };
      mkdirSync(stage.root, { recursive: true });
      stages.set(stageName, stage);
      step(`FROM ${image} (stage ${stageName})`);
      continue;
    }
    if (!stage) fail(`${op} before FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = args;
        mkdirSync(join(stage.root, args), { recursive: true });
        break;
      case 'COPY':
        step(`[${stage.name}] COPY ${args}`);
        copy(stage, args, stages, ignored);
        break;
      case 'RUN':
        run(stage, args);
        break;
      case 'ENV':
        Object.assign(stage.env, parseEnv(args));
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = jsonArray(args.slice(args.indexOf('CMD') + 3).trim(), 'HEALTHCHECK CMD');
        break;
      case 'CMD':
        stage.cmd = jsonArray(args, 'CMD');
        break;
      case 'EXPOSE':
      case 'STOPSIGNAL':
      case 'LABEL':
      case 'ARG':
        break;
      default:
        fail(`Dockerfile instruction ${op} is not handled by test:container; teach it or avoid it`);
    }
  }
  if (!stage) fail('the Dockerfile has no FROM');
  // The base image: one Node LTS major, the same (glibc) variant in every stage.
  const majors = new Set(bases.filter((b) => b.startsWith('node:')).map((b) => b.slice(5)));
  if (majors.size !== 1 || !/^(2[02468])-bookworm-slim$/.test([...majors][0]!)) fail(`stages must share one pinned Node LTS slim base, got ${bases.join(', ')}`);
  return stage;
}

/** The image's file set: only the runtime, no tests, sources, emulator or dev dependencies. */
function checkFileSet(app: string): void {
  const top = readdirSync(app).sort();
  if (JSON.stringify(top) !== JSON.stringify(['dist', 'node_modules', 'package.json', 'public', 'views'])) fail(`unexpected files in the image: ${top.join(', ')}`);
  if (existsSync(join(app, 'dist/dev'))) fail('the emulator (dist/dev) is in the image');
  for (const dev of ['vitest', 'typescript', 'oidc-provider', 'tsx', 'eslint', 'supertest', '@types/node']) {
    if (existsSync(join(app, 'node_modules', dev))) fail(`dev dependency ${dev} is in the image`);
  }
  for (const runtime of ['express', 'openid-client', 'connect-redis', 'redis', 'prom-client']) {
    if (!existsSync(join(app, 'node_modules', runtime))) fail(`runtime dependency ${runtime} is missing from the image`);
  }
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const sources = walk(join(app, 'dist')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (sources.length) fail(`TypeScript sources in dist: ${sources.slice(0, 3).join(', ')}`);
}

function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const s = statSync(p);
      out.push(`${relative(dir, p)} ${s.size} ${s.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join('\n');
}

/** The Dockerfile's USER when it exists here, else nobody: never root. */
function unprivileged(user: string): { uid: number; gid: number; name: string } {
  if (user === 'root' || user === '0') fail('the image runs as root: add USER node');
  for (const name of [user, 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()), name };
  }
  return fail('no unprivileged user to run as');
}

async function main(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'mha-container-'));
  try {
    const image = build(workspace);
    const app = join(image.root, image.workdir);
    checkFileSet(app);
    const size = execFileSync('du', ['-sh', app], { encoding: 'utf8' }).split('\t')[0];
    step(`image file set OK (${size} in ${image.workdir})`);
    if (image.env['NODE_ENV'] !== 'production') fail('the image does not set NODE_ENV=production');
    if (!image.cmd || !image.healthcheck) fail('the image needs CMD and HEALTHCHECK');

    // Like the image's filesystem: readable by everyone, writable by no one but root.
    execFileSync('chmod', ['-R', 'a+rX,go-w', workspace]);
    chmodSync(workspace, 0o755);
    const user = unprivileged(image.user);
    const before = snapshot(app);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const emulator = await startEmulator({
      clients: [{ client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
    });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      TMPDIR: '/tmp',
      ...image.env,
      PORT: String(port),
      BASE_URL: baseUrl,
      ENTRA_TENANT_ID: emulator.tenantId,
      ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
      ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      ENTRA_AUTHORITY_HOST: emulator.authorityHost,
      SESSION_SECRET: `container-test-${randomUUID()}`,
      SESSION_STORE: 'redis',
      REDIS_URL,
      REDIS_KEY_PREFIX: `mha-container:${randomUUID().slice(0, 8)}:`,
    };
    const [command, ...args] = image.cmd;
    const exe = command === 'node' ? process.execPath : command!;
    step(`docker run: ${image.cmd.join(' ')} as ${user.name} (uid ${user.uid}) with NODE_ENV=${env['NODE_ENV']}`);
    const child = spawn(exe, args, { cwd: app, env, uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) fail(`the container exited ${child.exitCode}:\n${output}`);
        const ready = await fetch(`${baseUrl}/readyz`).then((r) => r.status === 200, () => false);
        if (ready) break;
        if (Date.now() > deadline) fail(`not ready after 30 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const browser = new Browser();
      const { url, res } = await browser.signIn(`${baseUrl}/auth/login`);
      const html = await res.text();
      if (url !== `${baseUrl}/mha/` || !html.includes('Welcome, B.Simon')) fail(`sign-in did not reach /mha/ (${url}, ${res.status})`);
      step('B.Simon signed in through the image file set');
      if (output.includes('emulator')) fail('the production image mentions the emulator');

      const [hcCommand, ...hcArgs] = image.healthcheck;
      const hc = spawnSync(hcCommand === 'node' ? process.execPath : hcCommand!, hcArgs, { cwd: app, env, uid: user.uid, gid: user.gid, encoding: 'utf8' });
      if (hc.status !== 0) fail(`HEALTHCHECK exited ${hc.status}: ${hc.stderr}`);
      step('HEALTHCHECK passes');

      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) fail(`SIGTERM: exited ${code}\n${output}`);
      step('SIGTERM: drained and exited 0');
      if (snapshot(app) !== before) fail('the app wrote inside the image (not read-only-root friendly)');
      step('nothing written inside the image');
    } finally {
      child.kill('SIGKILL');
      await emulator.close();
    }
    step('test:container passed');
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`test:container FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

