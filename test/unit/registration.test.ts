/**
 * Issue 15 item 3: one source for the values to register in Entra. The README's set-up steps, the doctor's
 * report and the server's configuration all come from src/auth/registration.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ENTRA_REGISTRATION, entraRegistration } from '../../src/auth/registration.js';
import { registerValues, type DoctorReport } from '../../src/doctor/checks.js';
import { formatReport } from '../../src/doctor/report.js';
import { REGISTRATION_END, REGISTRATION_START, registrationTable, withGeneratedBlocks } from '../../src/doctor/troubleshooting.js';

// The generated blocks live in docs/entra.md since issue 16 item 8 (the README keeps a few screens).
const readme = readFileSync(new URL('../../docs/entra.md', import.meta.url), 'utf8');
const setup = readme.slice(readme.indexOf('## Setting up the Entra side'), readme.indexOf('\n## ', readme.indexOf('## Setting up the Entra side') + 3));
const env = {
  NODE_ENV: 'test',
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~defghijklmnopqrstuvwxyz0123456789ABCD',
  BASE_URL: 'https://mha.example.com',
  TRUST_PROXY: '1',
};

describe('issue 15 item 3: the values to register in Entra', () => {
  it('the README set-up steps hold exactly the generated table (run `npm run docs` after changing it)', () => {
    expect(setup).toContain(REGISTRATION_START);
    expect(withGeneratedBlocks(readme)).toBe(readme);
    for (const e of ENTRA_REGISTRATION) expect(setup).toContain(`\`BASE_URL${e.path}\``);
  });

  it('the README never doubles the scheme (https://<your BASE_URL>)', () => {
    expect(readme).not.toMatch(/https?:\/\/<your BASE_URL>/);
  });

  it('notices a README whose table went stale', () => {
    const stale = readme.replace('`BASE_URL/auth/frontchannel-logout` |', '`https://<your BASE_URL>/auth/frontchannel-logout` |');
    expect(stale).not.toBe(readme);
    expect(withGeneratedBlocks(stale)).not.toBe(stale);
  });

  it('the server registers what the table says', () => {
    const config = parseConfig(env);
    const values = Object.fromEntries(entraRegistration(config.baseUrl, false).map((e) => [e.key, e.value]));
    expect(values).toEqual({
      redirectUri: config.redirectUri,
      postLogoutRedirectUri: config.postLogoutRedirectUri,
      frontchannelLogoutUri: config.frontchannelLogoutUri,
    });
    expect(config.redirectUri).toBe('https://mha.example.com/auth/callback');
    expect(config.postLogoutRedirectUri).toBe('https://mha.example.com/');
  });

  it.each([
    ['single-tenant', env, ['redirectUri', 'postLogoutRedirectUri', 'frontchannelLogoutUri']],
    ['multi-tenant', { ...env, ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: '11111111-2222-4333-8444-555555555555' }, ['redirectUri', 'postLogoutRedirectUri', 'frontchannelLogoutUri', 'adminConsentRedirectUri']],
  ] as const)('the doctor prints every value of the table for a %s set-up, filled in', (_what, e, keys) => {
    const config = parseConfig(e);
    const register = registerValues(config);
    expect(Object.keys(register)).toEqual(keys);
    const report: DoctorReport = { ok: true, summary: { ok: 0, warning: 0, problem: 0, skipped: 0 }, checks: [{ id: 'config', title: 'Configuration', status: 'ok', message: 'fine' }], register, version: 'test', generatedAt: '2026-01-01T00:00:00.000Z' };
    const text = formatReport(report);
    for (const entry of entraRegistration(config.baseUrl, config.entra.multiTenant)) {
      expect(text).toMatch(new RegExp(`  ${entry.field.replace(/[>]/g, '\\$&')} +${entry.value.replace(/[./]/g, '\\$&')}   \\(`));
    }
    expect(text).toContain('https://mha.example.com/   (Entra returns here after sign-out');
  });

  it('has its markers around a table', () => {
    expect(registrationTable().startsWith(REGISTRATION_START)).toBe(true);
    expect(registrationTable().endsWith(REGISTRATION_END)).toBe(true);
  });
});
