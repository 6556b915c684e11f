/**
 * Issue 15 items 6 and 7: `npm run dev` rehearses failures without code (`--fault NAME`, EMULATOR_FAULT) and
 * says plainly when a port is taken. The real dev server, spawned as `npm run dev` runs it (tsx).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { freePort, waitFor } from '../support/ops.js';
import { UNKNOWN_TENANT_ID } from '../../src/dev/dev-faults.js';
import type { Readiness } from '../../src/auth/readiness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

interface Dev {
  readonly port: number;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const started: Dev[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});

async function dev(args: string[], env: Record<string, string> = {}, ports?: { port: number; emulatorPort: number }): Promise<Dev> {
  const port = ports?.port ?? (await freePort());
  const emulatorPort = ports?.emulatorPort ?? (await freePort());
  const child = spawn(TSX, ['src/dev/dev-server.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), EMULATOR_PORT: String(emulatorPort), LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const d: Dev = {
    port,
    url: `http://localhost:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  started.push(d);
  return d;
}

async function running(d: Dev): Promise<Dev> {
  await waitFor('the dev banner', async () => {
    if (d.stdout().includes('Emulator: http://127.0.0.1')) return true;
    if (await Promise.race([d.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10))])) throw new Error(`dev server exited: ${d.stderr()}`);
    return false;
  }, 30_000);
  return d;
}

async function readyz(d: Dev): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${d.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

async function holdPort(host: string): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('issue 15 item 7: npm run dev with a port in use', () => {
  it.each([
    ['the emulator', 'EMULATOR_PORT'],
    ['the app', 'PORT'],
  ] as const)('names the port of %s and the variable to change, exit 1, no TypeError', async (what, variable) => {
    const held = await holdPort('127.0.0.1');
    try {
      const free = await freePort();
      const d = await dev([], {}, variable === 'PORT' ? { port: held.port, emulatorPort: free } : { port: free, emulatorPort: held.port });
      expect(await d.exited).toBe(1);
      expect(d.stderr()).toContain(`port ${held.port} on `);
      expect(d.stderr()).toContain(`(${what === 'the app' ? 'the app' : 'the Entra emulator'}) is already in use`);
      expect(d.stderr()).toMatch(new RegExp(`choose another port: ${variable}=\\d+ npm run dev`));
      expect(d.stderr()).not.toContain('TypeError');
    } finally {
      await new Promise<void>((resolve) => held.server.close(() => resolve()));
    }
  });
});

describe('issue 15 item 6: npm run dev -- --fault NAME rehearses a failure', () => {
  it('unknown-tenant: /readyz names AADSTS90002 and the fix; the sign-in page says not set up', async () => {
    const d = await running(await dev(['--fault', 'unknown-tenant']));
    expect(d.stdout()).toContain('Simulating');
    expect(d.stdout()).toContain('unknown-tenant');
    const ready = await waitFor('a discovery verdict', async () => {
      const r = await readyz(d);
      return r.body.problems ? r : undefined;
    });
    expect(ready.status).toBe(503);
    expect(ready.body.problems![0]).toMatchObject({ aadsts: '90002', permanent: true });
    expect(ready.body.problems![0]!.fix.join(' ')).toContain(`now ${UNKNOWN_TENANT_ID}`);
    const page = await fetch(`${d.url}/auth/login`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(500);
    expect(await page.text()).toContain('Sign-in is not set up correctly');
    expect(d.stdout()).toContain('"event":"setup.problem"');
  });

  it.each([
    ['EMULATOR_FAULT=expired-secret', [], { EMULATOR_FAULT: 'expired-secret' }, '7000222'],
    ['--fault=wrong-secret', ['--fault=wrong-secret'], {}, '7000215'],
  ] as const)('%s: /readyz degraded at start with the AADSTS code', async (_name, args, env, code) => {
    const d = await running(await dev([...args], env));
    const ready = await waitFor('a credential verdict', async () => {
      const r = await readyz(d);
      return r.body.status === 'degraded' ? r : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.problems![0]).toMatchObject({ check: 'credential', aadsts: code });
  });

  it('entra-down: the "starting up" page and /readyz not ready, as an outage', async () => {
    const d = await running(await dev(['--fault', 'entra-down']));
    const ready = await waitFor('a discovery failure', async () => {
      const r = await readyz(d);
      return r.body.problems ? r : undefined;
    });
    expect(ready.status).toBe(503);
    expect(ready.body.problems![0]).toMatchObject({ check: 'discovery', permanent: false });
    const page = await fetch(`${d.url}/auth/login`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(503);
  });

  it.each([
    ['unassigned-user', 'AADSTS50105'],
    ['clock-skew', 'signin_invalid_token'],
  ] as const)('%s: the sign-in fails with its page', async (fault, shown) => {
    const d = await running(await dev(['--fault', fault]));
    await waitFor('ready', async () => (await readyz(d)).status === 200);
    const { res } = await new Browser().signIn(`${d.url}/auth/login`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).toContain(shown);
  });

  it('unregistered-redirect-uri: the emulator\'s AADSTS50011 page shows the rejected redirect URI, as Entra\'s does, in light or dark', async () => {
    const d = await running(await dev(['--fault', 'unregistered-redirect-uri']));
    await waitFor('ready', async () => (await readyz(d)).status === 200);
    const res = await new Browser().follow(`${d.url}/auth/login`);
    const html = await res.res.text();
    expect(html).toContain('AADSTS50011');
    expect(html).toContain(`The redirect URI &#39;${d.url}/auth/callback&#39; specified in the request does not match`);
    // The emulator's pages follow the reader's colour scheme.
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toMatch(/@media \(prefers-color-scheme:dark\)\{body\{color:#f3f2f1;background:#1b1a19\}/);
  });

  it('refuses an unknown fault with the list, exit 2', async () => {
    const d = await dev(['--fault', 'no-such-fault']);
    expect(await d.exited).toBe(2);
    expect(d.stderr()).toContain('unknown fault "no-such-fault"');
    for (const name of ['expired-secret', 'wrong-secret', 'unassigned-user', 'clock-skew', 'entra-down', 'unknown-tenant']) expect(d.stderr()).toContain(name);
  });
});
