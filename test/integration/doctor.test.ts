import { spawn } from 'node:child_process';
import { None } from 'openid-client';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Env } from '../../src/config.js';
import type { Check } from '../../src/doctor/check.js';
import { clientCredentialsCheck, runDoctor, type DoctorReport } from '../../src/doctor/checks.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator } from '../../src/dev/emulator.js';
import { freePort, SHARED_REDIS_URL, uniquePrefix } from '../support/ops.js';

// The app is not started: the doctor needs only the authority. Its redirect URI is registered as this origin.
const BASE_URL = 'http://127.0.0.1:39999';
const OTHER_GUID = '11111111-2222-4333-8444-555555555555';

let emulator: Emulator;
let env: Env;
beforeAll(async () => {
  emulator = await startEmulator({
    clients: [{ client_id: EMULATOR_CLIENT_ID, client_secret: EMULATOR_CLIENT_SECRET, redirect_uris: [`${BASE_URL}/auth/callback`], post_logout_redirect_uris: [`${BASE_URL}/`] }],
  });
  env = {
    NODE_ENV: 'test',
    ENTRA_TENANT_ID: emulator.tenantId,
    ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
    ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    ENTRA_AUTHORITY_HOST: emulator.authorityHost,
    BASE_URL,
  };
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.faults.reset();
});

function check(report: DoctorReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

describe('npm run doctor against the emulator', () => {
  it('passes a correct set-up: every check ok, the values to register, no secret anywhere', async () => {
    const report = await runDoctor(env, { version: 'test' });
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['config', 'secret', 'base_url', 'trust_proxy', 'session_store', 'discovery', 'clock', 'issuer', 'keys', 'client_credentials', 'redirect_uri']),
    );
    expect(check(report, 'secret').message).toBe(`set, ${EMULATOR_CLIENT_SECRET.length} characters, not a GUID (so not the Secret ID)`);
    // Graph of the configured cloud; on a loopback authority the emulator plays Graph too.
    expect(check(report, 'client_credentials').message).toBe(`Entra issued a token for ${emulator.authorityHost}/.default with this client ID and credential (the token was discarded)`);
    expect(report.register).toEqual({
      redirectUri: `${BASE_URL}/auth/callback`,
      postLogoutRedirectUri: `${BASE_URL}/`,
      frontchannelLogoutUri: `${BASE_URL}/auth/frontchannel-logout`,
    });
    expect(JSON.stringify(report)).not.toContain(EMULATOR_CLIENT_SECRET);
  });

  it('explains an unknown tenant (AADSTS90002) and skips what needs discovery', async () => {
    const report = await runDoctor({ ...env, ENTRA_TENANT_ID: OTHER_GUID });
    expect(report.ok).toBe(false);
    expect(check(report, 'discovery')).toMatchObject({ status: 'problem', aadsts: '90002', helpLink: 'https://login.microsoftonline.com/error?code=90002' });
    expect(check(report, 'discovery').message).toContain('The tenant was not found');
    expect(check(report, 'discovery').fix!.join(' ')).toContain(`now ${OTHER_GUID}`);
    for (const id of ['issuer', 'keys', 'client_credentials', 'redirect_uri']) expect(check(report, id).status).toBe('skipped');
  });

  it.each([
    ['a wrong secret', { ENTRA_CLIENT_SECRET: 'Zx8Q~not.the-right-secret-value_0123456789' }, false, '7000215', /Secret ID/],
    ['an expired secret', {}, true, '7000222', /New client secret/],
    ['an unknown application', { ENTRA_CLIENT_ID: OTHER_GUID }, false, '700016', /Application \(client\) ID/],
  ] as const)('maps %s to its fix', async (_what, override, expired, code, fix) => {
    emulator.faults.secretExpired = expired;
    const report = await runDoctor({ ...env, ...override });
    expect(report.ok).toBe(false);
    const cc = check(report, 'client_credentials');
    expect(cc).toMatchObject({ status: 'problem', aadsts: code });
    expect(cc.fix!.join('\n')).toMatch(fix);
    expect(cc.message).toMatch(/trace ID [0-9a-f-]{36}, correlation ID [0-9a-f-]{36}/);
  });

  it('issue 15 item 5: explains an unknown application (AADSTS700016) once, though the token and the authorization requests both meet it', async () => {
    const report = await runDoctor({ ...env, ENTRA_CLIENT_ID: OTHER_GUID });
    expect(report.checks.filter((c) => c.status === 'problem' && c.aadsts === '700016').map((c) => c.id)).toEqual(['client_credentials']);
    expect(check(report, 'redirect_uri')).toEqual({
      id: 'redirect_uri',
      title: 'Redirect URI',
      status: 'skipped',
      message: 'not checked: the same cause as "Client ID and secret" above (The application was not found in the directory, AADSTS700016)',
      translations: { ja: { message: '未確認：上の「クライアント ID とシークレット」と同じ原因です（ディレクトリにアプリケーションが見つかりません、AADSTS700016）' } },
      aadsts: '700016',
    });
    expect(report.summary.problem).toBe(1);
  });

  it('maps a missing secret (AADSTS7000218) from the token endpoint', async () => {
    const config = parseConfig(env);
    const metadata = (await (await fetch(config.entra.discoveryUrl)).json()) as Record<string, unknown>;
    const cc = await clientCredentialsCheck(metadata, config, None(), 5000);
    expect(cc).toMatchObject({ status: 'problem', aadsts: '7000218' });
    expect(cc.message).toContain('No client secret was sent');
  });

  it('finds a redirect URI that is not registered (AADSTS50011) and says what to register', async () => {
    const report = await runDoctor({ ...env, BASE_URL: 'http://localhost:39999' });
    const r = check(report, 'redirect_uri');
    expect(r).toMatchObject({ status: 'problem', aadsts: '50011' });
    expect(r.fix!.join('\n')).toContain('add exactly http://localhost:39999/auth/callback');
    expect(check(report, 'client_credentials').status).toBe('ok');
    expect(report.ok).toBe(false);
  });

  it.each([
    [120, 'warning'],
    [-600, 'problem'],
  ] as const)('measures a clock %i s off against the authority\'s Date header: %s', async (skew, status) => {
    emulator.faults.clockSkewSeconds = skew;
    const report = await runDoctor(env);
    const clock = check(report, 'clock');
    expect(clock.status).toBe(status);
    // The emulator's clock is ahead when skew > 0, so this machine is behind it.
    expect(clock.message).toMatch(new RegExp(`(${Math.abs(skew) - 1}|${Math.abs(skew)}|${Math.abs(skew) + 1}) s ${skew > 0 ? 'behind' : 'ahead of'}`));
    expect(report.ok).toBe(status !== 'problem');
  });

  it('checks a multi-tenant set-up against Entra\'s {tenantid} issuer template, and skips the app-only token', async () => {
    const report = await runDoctor({ ...env, ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: emulator.tenantId });
    expect(check(report, 'issuer')).toMatchObject({ status: 'ok', message: `${emulator.authorityHost}/{tenantid}/v2.0 (tenant {tenantid})` });
    expect(check(report, 'client_credentials').status).toBe('skipped');
    expect(report.ok).toBe(true);
  });

  // Issue 15 item 4: a stand-in serving Entra's real document (here the emulator on 127.0.0.1, as a forward
  // proxy or a test double would) is not "in another cloud": the doctor cannot compare, so it warns and exits 0.
  it('issue 15 item 4: warns, without failing, when an authority host it does not know serves Entra\'s public-cloud document', async () => {
    emulator.faults.cloudInstanceName = 'microsoftonline.com';
    const report = await runDoctor(env);
    expect(check(report, 'cloud')).toMatchObject({ status: 'warning' });
    expect(check(report, 'cloud').message).toContain(`ENTRA_AUTHORITY_HOST ${emulator.authorityHost} is not an Entra host this doctor knows`);
    expect(check(report, 'cloud').fix).toEqual(['If 127.0.0.1 is a proxy or a stand-in, make sure it forwards to login.microsoftonline.com; otherwise use an Entra authority (ENTRA_CLOUD=public, usgov or china).']);
    expect(report.ok).toBe(true);
  });
});

describe('the doctor without a working authority', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];
  let blackHolePort: number;
  let closedPort: number;
  beforeAll(async () => {
    // Accepts connections and never answers: only the timeout ends the wait.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    blackHolePort = (blackHole.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it('reports an authority that never answers, within the timeout', async () => {
    const started = Date.now();
    const report = await runDoctor({ ...env, ENTRA_AUTHORITY_HOST: `http://127.0.0.1:${blackHolePort}` }, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(check(report, 'discovery')).toMatchObject({ status: 'problem' });
    expect(check(report, 'discovery').message).toContain('no answer within 0.3 s');
    expect(check(report, 'client_credentials').status).toBe('skipped');
    expect(report.ok).toBe(false);
  });

  it('reports an authority that refuses connections', async () => {
    const report = await runDoctor({ ...env, ENTRA_AUTHORITY_HOST: `http://127.0.0.1:${closedPort}` }, { timeoutMs: 2000 });
    expect(check(report, 'discovery').message).toContain('connection refused');
    expect(check(report, 'discovery').fix![0]).toContain(`http://127.0.0.1:${closedPort}`);
  });
});

describe('the session store (SESSION_STORE=redis)', () => {
  const redisEnv = (url: string): Env => ({ ...env, SESSION_STORE: 'redis', REDIS_URL: url, REDIS_KEY_PREFIX: uniquePrefix() });

  it('pings a reachable Redis and reports its version', async () => {
    const report = await runDoctor(redisEnv(SHARED_REDIS_URL));
    expect(check(report, 'session_store')).toMatchObject({ status: 'ok', title: 'Session store' });
    expect(check(report, 'session_store').message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:6379\/0 answered PING \(Redis \d+\.\d+\.\d+\)/);
    expect(report.ok).toBe(true);
  });

  it('is a problem with the fix when nothing listens on the port', async () => {
    const port = await freePort();
    const report = await runDoctor(redisEnv(`redis://127.0.0.1:${port}/0`), { timeoutMs: 2000 });
    expect(check(report, 'session_store')).toMatchObject({ status: 'problem', message: `Redis at redis://127.0.0.1:${port}/0: connection refused` });
    expect(check(report, 'session_store').fix![0]).toContain(`now redis://127.0.0.1:${port}/0`);
    expect(report.ok).toBe(false);
  });

  it('says the credentials were refused, and never prints the password', async () => {
    const password = 'pa55-word.that-must-not-leak';
    const report = await runDoctor(redisEnv(`redis://mha-user:${password}@127.0.0.1:6379/0`), { timeoutMs: 2000 });
    expect(check(report, 'session_store').status).toBe('problem');
    expect(check(report, 'session_store').message).toMatch(/refused the credentials in REDIS_URL \(WRONGPASS/);
    expect(check(report, 'session_store').fix![0]).toContain('redis://:PASSWORD@host:6379/0');
    expect(JSON.stringify(report)).not.toContain(password);
  });

  it('gives up on a server that accepts the connection and never answers, within the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const report = await runDoctor(redisEnv(`redis://127.0.0.1:${(silent.address() as { port: number }).port}/0`), { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(check(report, 'session_store')).toMatchObject({ status: 'problem' });
      expect(check(report, 'session_store').message).toContain('no answer within 0.3 s');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('configuration checks', () => {
  it('names each bad variable, and says a GUID secret is the Secret ID without printing it', async () => {
    const secretId = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
    const report = await runDoctor({ ...env, ENTRA_TENANT_ID: undefined, TRUST_PROXY: 'true', ENTRA_CLIENT_SECRET: secretId });
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.id === 'config').map((c) => c.title)).toEqual(['ENTRA_TENANT_ID', 'TRUST_PROXY']);
    expect(check(report, 'secret')).toMatchObject({ status: 'problem', message: 'set, 36 characters, a GUID: this is the secret\'s "Secret ID", not its "Value"' });
    expect(check(report, 'entra').status).toBe('skipped');
    expect(JSON.stringify(report)).not.toContain(secretId);
    expect(report.register).toBeUndefined();
  });

  it.each([
    [{ BASE_URL: `${BASE_URL}/` }, 'base_url', 'warning', /ends with a slash.*redirect URI is http:\/\/127\.0\.0\.1:39999\/auth\/callback/],
    [{ BASE_URL: 'http://mha.internal.example' }, 'base_url', 'warning', /plain http/],
    [{ BASE_URL: undefined }, 'base_url', 'warning', /not set, so http:\/\/localhost:3000/],
    [{ BASE_URL: 'http://mha.internal.example', TRUST_PROXY: '1' }, 'trust_proxy', 'warning', /BASE_URL should be https/],
    [{ TRUST_PROXY: '5' }, 'trust_proxy', 'warning', /unusual/],
    [{ ENTRA_CLIENT_SECRET: '"abc~defghijklmnopqrstuvwxyz0123456789ABC"' }, 'secret', 'warning', /quotes/],
    [{ ENTRA_CLIENT_SECRET: 'abc~defghijklmno' }, 'secret', 'warning', /cut short/],
  ] as const)('warns about %j (%s)', async (override, id, status, message) => {
    const report = await runDoctor({ ...env, ...override }, { timeoutMs: 2000 });
    expect(check(report, id).status).toBe(status);
    expect(check(report, id).message).toMatch(message);
  });
});

describe('node dist/doctor.js', () => {
  const entry = fileURLToPath(new URL('../../dist/doctor.js', import.meta.url));
  function run(args: string[], extraEnv: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      // A clean environment and a directory without a .env: only what the test passes counts.
      const child = spawn(process.execPath, [entry, ...args], { cwd: tmpdir(), env: { PATH: process.env['PATH'], ...extraEnv } as NodeJS.ProcessEnv });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('exits 0 with --json for a good set-up, in the documented shape', async () => {
    const { code, stdout } = await run(['--json'], env);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(Object.keys(report).sort()).toEqual(['checks', 'config', 'generatedAt', 'ok', 'register', 'summary', 'version']);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ problem: 0 });
    for (const c of report.checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'title', 'status', 'message']));
      expect(['ok', 'warning', 'problem', 'skipped']).toContain(c.status);
    }
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(stdout).not.toContain(EMULATOR_CLIENT_SECRET);
  });

  it('exits 1 and prints the checklist with the fix when the secret is wrong', async () => {
    const secret = 'Zx8Q~not.the-right-secret-value_0123456789';
    const { code, stdout } = await run([], { ...env, ENTRA_CLIENT_SECRET: secret });
    expect(code).toBe(1);
    expect(stdout).toMatch(/problem +Client ID and secret +the token endpoint refused the client credentials: The client secret is not valid \(AADSTS7000215\)/);
    expect(stdout).toContain('https://login.microsoftonline.com/error?code=7000215');
    expect(stdout).toContain(`Web > Redirect URIs        ${BASE_URL}/auth/callback   (Entra sends the signed-in user back here)`);
    expect(stdout).toContain(`Web > Redirect URIs        ${BASE_URL}/   (Entra returns here after sign-out`);
    expect(stdout).toMatch(/Result: 1 problem/);
    expect(stdout).not.toContain(secret);
  });

  it('exits 1 with the session store check in --json when Redis cannot be reached', async () => {
    const port = await freePort();
    const { code, stdout } = await run(['--json', '--timeout', '2'], { ...env, SESSION_STORE: 'redis', REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}/0` });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.checks.find((c) => c.id === 'session_store')).toMatchObject({ title: 'Session store', status: 'problem', message: `Redis at redis://:***@127.0.0.1:${port}/0: connection refused` });
    expect(report.config).toMatchObject({ sessionStore: { kind: 'redis', url: `redis://:***@127.0.0.1:${port}/0` } });
    expect(stdout).not.toContain('hunter2-secret');
  });

  it('exits 1 on a configuration problem and 2 on an unknown option', async () => {
    expect((await run(['--json'], { ...env, ENTRA_CLIENT_ID: 'nope' })).code).toBe(1);
    const usage = await run(['--jsn'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown option "--jsn"');
  });
});
