import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function authorizeParams(query: string): Promise<URLSearchParams> {
  const res = await fetch(`${h.baseUrl}/auth/login?${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams;
}

describe('sign-in options on /auth/login', () => {
  it.each(['login', 'none', 'consent', 'select_account'])('passes prompt=%s through to Entra', async (prompt) => {
    expect((await authorizeParams(`prompt=${prompt}`)).get('prompt')).toBe(prompt);
  });

  it('passes login_hint and domain_hint through', async () => {
    const p = await authorizeParams('login_hint=b.simon%40contoso.com&domain_hint=Contoso.com');
    expect(p.get('login_hint')).toBe('b.simon@contoso.com');
    expect(p.get('domain_hint')).toBe('contoso.com');
  });

  it('sends no prompt, login_hint or domain_hint when none is given', async () => {
    const p = await authorizeParams('returnTo=%2Fmha%2F');
    expect(p.has('prompt') || p.has('login_hint') || p.has('domain_hint')).toBe(false);
  });

  it.each([
    ['an unknown prompt', 'prompt=admin_consent', /prompt must be one of/],
    ['two prompts in one value', 'prompt=login%20consent', /prompt must be one of/],
    ['a repeated prompt', 'prompt=login&prompt=none', /prompt only once/],
    ['a login_hint with markup', 'login_hint=%3Cscript%3E', /login_hint must be/],
    ['a login_hint with spaces', 'login_hint=b%20simon', /login_hint must be/],
    ['a domain_hint that is a URL', 'domain_hint=https%3A%2F%2Fevil.example', /domain_hint must be/],
  ])('refuses %s with a friendly 400 and starts no sign-in', async (_name, query, message) => {
    const res = await fetch(`${h.baseUrl}/auth/login?${query}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toMatch(message);
  });
});
