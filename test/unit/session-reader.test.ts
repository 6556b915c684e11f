import { sign } from 'cookie-signature';
import type { SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { MemorySessionStore } from '../../src/session/memory-backend.js';
import { createSessionReader } from '../../src/session/session-reader.js';

const NOW = 1_790_000_000_000;
const config = parseConfig({
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~DEF.ghi_jkl-mno123456789pqrstuvwxyz',
  SESSION_SECRET: 'new-secret-0123456789-0123456789-0123456789,old-secret-0123456789-0123456789-012345678',
});
const [newSecret, oldSecret] = config.session.secrets;
const name = config.session.cookieName;

function storeWith(id: string): MemorySessionStore {
  const store = new MemorySessionStore({ defaultTtlMs: 60_000, now: () => NOW });
  const user = { tid: 't', oid: 'o', sub: 's', roles: [], groups: [] };
  store.set(id, { cookie: { originalMaxAge: 60_000 }, user, authAt: NOW, lastSeen: NOW, csrf: 'c' } as unknown as SessionData);
  return store;
}
const cookieFor = (id: string, secret: string) => `${name}=${encodeURIComponent(`s:${sign(id, secret!)}`)}`;

describe('session reader', () => {
  it('accepts a cookie signed with any configured secret and refuses a forged signature, before and after a valid read', async () => {
    const reader = createSessionReader(config, storeWith('sess-1'), () => NOW);
    const forged = `${name}=${encodeURIComponent(`s:sess-1.${'A'.repeat(43)}`)}`;
    expect((await reader.read(forged)).state).toBe('none');
    expect((await reader.read(cookieFor('sess-1', newSecret!))).state).toBe('valid');
    expect((await reader.read(cookieFor('sess-1', oldSecret!))).state).toBe('valid');
    // A verified value is remembered; a different (forged) value for the same id still gets the full check.
    expect((await reader.read(forged)).state).toBe('none');
    expect((await reader.read(`${name}=${encodeURIComponent('s:sess-1')}`)).state).toBe('none');
    expect((await reader.read(`${name}=sess-1`)).state).toBe('none');
  });

  it('answers "none" once the session is gone from the store, even for a remembered cookie', async () => {
    const store = storeWith('sess-2');
    const reader = createSessionReader(config, store, () => NOW);
    const cookie = cookieFor('sess-2', newSecret!);
    expect((await reader.read(cookie)).state).toBe('valid');
    store.destroy('sess-2');
    expect((await reader.read(cookie)).state).toBe('none');
  });

  it('keeps at most a fixed number of verified cookies, and a cookie that fell out still verifies', async () => {
    const store = storeWith('sess-3');
    const reader = createSessionReader(config, store, () => NOW);
    const first = cookieFor('sess-3', newSecret!);
    expect((await reader.read(first)).state).toBe('valid');
    for (let i = 0; i < 1_500; i++) reader.sessionIdFrom(cookieFor(`other-${i}`, newSecret!));
    expect(reader.verifiedCount).toBeLessThanOrEqual(1_000);
    expect((await reader.read(first)).state).toBe('valid');
  });
});
