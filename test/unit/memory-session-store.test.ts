import type { SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/session/memory-backend.js';

const get = (store: MemorySessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));

const session = (maxAge: number) =>
  ({
    cookie: { originalMaxAge: maxAge, expires: new Date(Date.now() + maxAge), secure: true, httpOnly: true, path: '/', sameSite: 'lax' },
    user: { tid: 't', oid: 'o', sub: 's', name: 'Ä {not json} "quoted"', roles: ['A'], groups: [] },
    authAt: 1,
    lastSeen: 2,
    csrf: 'c',
  }) as unknown as SessionData;

describe('memory session store', () => {
  it('gives back a copy of exactly what was stored, never the stored object', async () => {
    const store = new MemorySessionStore({ defaultTtlMs: 1000, now: () => 0 });
    const data = session(500);
    store.set('a', data);
    const back = await get(store, 'a');
    expect(back).toEqual(JSON.parse(JSON.stringify(data)));
    (back as unknown as { user: { name: string } }).user.name = 'changed';
    expect((await get(store, 'a'))?.user?.name).toBe('Ä {not json} "quoted"');
  });

  it('forgets a session once its max-age has passed on the store clock, and prunes it', async () => {
    let now = 1_000;
    const store = new MemorySessionStore({ defaultTtlMs: 10_000, now: () => now });
    store.set('short', session(500));
    store.set('long', session(5_000));
    now = 1_499;
    expect(await get(store, 'short')).not.toBeNull();
    now = 1_500;
    expect(await get(store, 'short')).toBeNull();
    now = 7_000;
    store.prune();
    expect(store.size).toBe(0);
  });

  it('destroys a session', async () => {
    const store = new MemorySessionStore({ defaultTtlMs: 1000 });
    store.set('a', session(500));
    store.destroy('a');
    expect(await get(store, 'a')).toBeNull();
  });
});
