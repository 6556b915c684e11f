/**
 * Issue 15, "the running server must say what the doctor knows": a tenant Entra does not know and a client
 * credential it refuses, found by the server itself (composed by start(), as in production), named in the
 * doctor's words with the fix in the log, on /readyz and on the sign-in page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { EMULATOR_CLIENT_SECRET, type Emulator } from '../../src/dev/emulator.js';
import { freePort, replicaEnv, startEmulatorFor, startReplica, waitFor, type Replica } from '../support/ops.js';
import type { Readiness } from '../../src/auth/readiness.js';

const OTHER_GUID = '11111111-2222-4333-8444-555555555555';

let emulator: Emulator;
let port: number;
let baseUrl: string;
let replica: Replica | undefined;

beforeAll(async () => {
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  emulator = await startEmulatorFor([baseUrl]);
});
afterAll(async () => {
  await emulator?.close();
});
afterEach(async () => {
  await replica?.close();
  replica = undefined;
  emulator.faults.reset();
});

async function boot(env: Record<string, string> = {}): Promise<Replica> {
  replica = await startReplica(replicaEnv(emulator, baseUrl, env), {
    port,
    waitReady: false,
    credentialCheck: { intervalMs: 200, retryMs: 100 },
  });
  return replica;
}

async function readyz(): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

async function metric(name: string): Promise<string | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text.split('\n').find((l) => l.startsWith(name));
}

describe('issue 15 item 1: a tenant Entra does not know (AADSTS90002)', () => {
  it('names the cause and the fix in the log and on /readyz, says "not set up" on the page (no "wait"), and heals when the domain is verified', async () => {
    const r = await boot({ ENTRA_TENANT_ID: 'mha-typo.example.com' });
    const line = await waitFor('the set-up problem log line', async () => r.logs.find((l) => l['event'] === 'setup.problem' && l['check'] === 'discovery'));
    expect(line['level']).toBe('error');
    expect(line['aadsts']).toBe('90002');
    expect(String(line['msg'])).toContain('sign-in is not set up correctly');
    expect(String(line['msg'])).toContain('The tenant was not found (AADSTS90002)');
    // The doctor's fix, with this deployment's value.
    expect(String(line['msg'])).toContain('Fix: 1. In the Microsoft Entra admin center open Overview and copy the Tenant ID (a GUID) into ENTRA_TENANT_ID (now mha-typo.example.com)');
    expect(line['fix']).toEqual(expect.arrayContaining([expect.stringContaining('ENTRA_TENANT_ID (now mha-typo.example.com)')]));
    // Not the library's bare code, as before: that said nothing about the tenant.
    expect(String(line['msg'])).not.toContain('OAUTH_RESPONSE_IS_NOT_CONFORM');

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not ready');
    expect(ready.body.checks['discovery']).toMatch(/^not set up correctly: .*The tenant was not found \(AADSTS90002\)/);
    expect(ready.body.problems).toEqual([
      expect.objectContaining({ check: 'discovery', permanent: true, aadsts: '90002', title: 'The tenant was not found', helpLink: 'https://login.microsoftonline.com/error?code=90002' }),
    ]);
    expect(ready.body.problems![0]!.fix.join(' ')).toContain('ENTRA_TENANT_ID (now mha-typo.example.com)');

    // The user's page: not set up, administrator told; a permanent failure is not a 503 "try again in a moment".
    for (const [language, heading, starting] of [
      ['en', 'Sign-in is not set up correctly', 'starting up'],
      ['ja', 'サインインが正しく設定されていません', '準備中'],
    ] as const) {
      const res = await fetch(`${baseUrl}/auth/login`, { headers: { accept: 'text/html', 'accept-language': language } });
      expect(res.status).toBe(500);
      expect(res.headers.get('retry-after')).toBeNull();
      const html = await res.text();
      expect(html).toContain(heading);
      expect(html).not.toContain(starting);
      expect(html).toContain('signin_not_configured');
      expect(html).toContain('AADSTS90002');
    }
    const api = await fetch(`${baseUrl}/auth/login`, { headers: { accept: 'application/json' } });
    expect(await api.json()).toMatchObject({ error: 'signin_not_configured', aadsts: '90002' });

    // The admin verifies the domain in Entra: discovery, still retrying in the background, loads.
    emulator.domains.add('mha-typo.example.com');
    await r.running.whenReady();
    expect((await readyz()).status).toBe(200);
    expect(r.logs.some((l) => l['event'] === 'setup.resolved' && l['check'] === 'discovery')).toBe(true);
    const { url } = await new Browser().signIn(`${baseUrl}/auth/login`);
    expect(new URL(url).pathname).toBe('/mha/');
  });

  it('keeps presenting an unreachable Entra as transient: 503 "starting up", not "not set up"', async () => {
    emulator.available = false;
    try {
      const r = await boot();
      await waitFor('a discovery failure', async () => r.logs.find((l) => l['msg'] === 'discovery failed; will retry'));
      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(ready.body.checks['discovery']).toMatch(/^discovery failed: /);
      expect(ready.body.problems).toEqual([expect.objectContaining({ check: 'discovery', permanent: false })]);
      const res = await fetch(`${baseUrl}/auth/login`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Sign-in is starting up');
    } finally {
      emulator.available = true;
    }
  });

  it('answers a GUID with a typo (unknown tenant) with the same explanation', async () => {
    const r = await boot({ ENTRA_TENANT_ID: OTHER_GUID });
    await waitFor('the set-up problem log line', async () => r.logs.find((l) => l['event'] === 'setup.problem'));
    const ready = await readyz();
    expect(ready.body.problems?.[0]).toMatchObject({ aadsts: '90002', permanent: true });
    expect(ready.body.problems?.[0]?.fix.join(' ')).toContain(`now ${OTHER_GUID}`);
  });
});

describe('issue 15 item 2: a client credential Entra refuses, found at start and while running', () => {
  const refused = async () =>
    waitFor('a refused credential on /readyz', async () => {
      const r = await readyz();
      return r.body.checks['credential']?.startsWith('refused') ? r : undefined;
    });

  it('an expired secret (AADSTS7000222): degraded, not down; named with the fix in the log; a metric; signed-in users keep working; healed by the next check', async () => {
    const r = await boot();
    await r.running.whenReady();
    await waitFor('the first credential verdict', async () => (await metric('mha_credential_ok{kind="secret"} 1')) !== undefined);
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);

    emulator.faults.secretExpired = true;
    const ready = await refused();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks['credential']).toBe('refused by Entra: The client secret has expired (AADSTS7000222); new sign-ins fail, signed-in users keep working');
    const problem = ready.body.problems![0]!;
    expect(problem).toMatchObject({ check: 'credential', permanent: true, aadsts: '7000222', title: 'The client secret has expired' });
    expect(problem.fix.join(' ')).toContain('New client secret');
    expect(Date.parse((problem as { checkedAt?: string }).checkedAt ?? '')).toBeGreaterThan(0);
    expect(await metric('mha_credential_ok{kind="secret"}')).toBe('mha_credential_ok{kind="secret"} 0');
    const checkedAt = Number((await metric('mha_credential_last_check_timestamp_seconds{kind="secret"}'))?.split(' ').pop());
    expect(checkedAt).toBeGreaterThan(Date.now() / 1000 - 60);

    const line = r.logs.find((l) => l['event'] === 'setup.problem' && l['check'] === 'credential');
    expect(line).toMatchObject({ level: 'error', aadsts: '7000222' });
    expect(String(line!['msg'])).toContain('Entra refuses the client credential');
    expect(String(line!['msg'])).toContain('Fix: 1. In the Microsoft Entra admin center');
    expect(JSON.stringify(r.logs)).not.toContain(EMULATOR_CLIENT_SECRET);

    // The running session is untouched: the credential is only used at sign-in.
    const page = await browser.request(`${baseUrl}/mha/`);
    expect(page.status).toBe(200);

    emulator.faults.secretExpired = false;
    await waitFor('the credential accepted again', async () => (await readyz()).body.status === 'ready');
    expect(await metric('mha_credential_ok{kind="secret"}')).toBe('mha_credential_ok{kind="secret"} 1');
  });

  it('a wrong secret (AADSTS7000215) is found at start, before any user tries', async () => {
    await boot({ ENTRA_CLIENT_SECRET: 'Zx8Q~not.the-right-secret-value_0123456789' });
    const ready = await refused();
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.problems?.[0]).toMatchObject({ aadsts: '7000215', title: 'The client secret is not valid' });
    expect(await metric('mha_credential_ok{kind="secret"}')).toBe('mha_credential_ok{kind="secret"} 0');
  });

  it('a secret wrapped in literal quotes (docker --env-file keeps them): said at start, and named as the cause of the refusal', async () => {
    const r = await boot({ ENTRA_CLIENT_SECRET: `"${EMULATOR_CLIENT_SECRET}"` });
    // Before any network call: the first lines of the start.
    const warning = r.logs.find((l) => l['event'] === 'setup.problem' && l['check'] === 'secret');
    expect(warning).toMatchObject({ level: 'warn' });
    expect(String(warning!['msg'])).toContain('wrapped in quotes');
    expect(String(warning!['msg'])).toContain('docker run --env-file');
    const ready = await refused();
    const problem = ready.body.problems![0]!;
    expect(problem).toMatchObject({ aadsts: '7000215' });
    expect(problem.message).toContain('ENTRA_CLIENT_SECRET: set, ');
    expect(problem.message).toContain('wrapped in quotes');
    expect(problem.fix[0]).toContain('Remove the quotes');
    expect(JSON.stringify(ready.body)).not.toContain(EMULATOR_CLIENT_SECRET);
    expect(JSON.stringify(r.logs)).not.toContain(EMULATOR_CLIENT_SECRET);
  });
});

describe('issue 15 item 1: the emulator answers a tenant it does not know as Entra does', () => {
  it('AADSTS90002 from discovery, the token endpoint (JSON) and the authorization endpoint (its own page); a verified domain works like the GUID', async () => {
    const discovery = await fetch(`${emulator.authorityHost}/${OTHER_GUID}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(400);
    const body = (await discovery.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect(String(body['error_description'])).toMatch(/^AADSTS90002: Tenant '11111111-2222-4333-8444-555555555555' not found\. Check to make sure you have the correct tenant ID and are signing into the correct cloud\./);

    const token = await fetch(`${emulator.authorityHost}/${OTHER_GUID}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const authorize = await fetch(`${emulator.authorityHost}/${OTHER_GUID}/oauth2/v2.0/authorize?client_id=x`, { redirect: 'manual' });
    expect(authorize.status).toBe(400);
    expect(await authorize.text()).toContain('<strong>AADSTS90002</strong>');

    // A verified domain: discovery names the tenant GUID in the issuer and endpoints, and they answer.
    const domain = await fetch(`${emulator.authorityHost}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    const doc = (await domain.json()) as Record<string, string>;
    expect(doc['issuer']).toBe(`${emulator.authorityHost}/${emulator.tenantId}/v2.0`);
    const keys = await fetch(`${emulator.authorityHost}/contoso.onmicrosoft.com/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(((await keys.json()) as { error?: string }).error).not.toBe('invalid_tenant');
  });
});
