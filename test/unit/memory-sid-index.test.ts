import type { SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createMemorySidIndex } from '../../src/session/memory-backend.js';

const signedIn = (sid: string) =>
  ({ cookie: { originalMaxAge: 60_000 }, user: { tid: 't', oid: 'o', sub: 's', sid, name: 'n', roles: [], groups: [] }, authAt: 1, lastSeen: 1, csrf: 'c' }) as unknown as SessionData;

describe('memory sid index', () => {
  it('returns every session recorded for an Entra sid once, and forgets the sid', async () => {
    const index = createMemorySidIndex();
    await index.add('sid-1', 'sessA', 100);
    await index.add('sid-1', 'sessB', 500);
    await index.add('sid-1', 'sessA', 100); // the same session again: not listed twice
    await index.add('sid-2', 'sessC', 100);
    expect((await index.take('sid-1')).sort()).toEqual(['sessA', 'sessB']);
    expect(await index.take('sid-1')).toEqual([]);
    expect(await index.take('unknown')).toEqual([]);
    expect(await index.take('sid-2')).toEqual(['sessC']);
    expect(index.size).toBe(0);
  });

  it('issue 14 item 9: keeps at most maxPerSid sessions per sid and ends the oldest beyond that', async () => {
    const evicted: string[] = [];
    const index = createMemorySidIndex({ maxPerSid: 3, onEvict: (id) => evicted.push(id) });
    for (let i = 1; i <= 10; i++) await index.add('sid', `s${i}`, 1_000);
    expect(index.ids('sid')).toEqual(['s8', 's9', 's10']);
    expect(evicted).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
    index.remove('sid', 's9');
    index.remove('sid', 's8');
    expect(index.ids('sid')).toEqual(['s10']);
    index.remove('sid', 's10');
    expect(index.size).toBe(0);
  });

  it('prunes ids whose session is gone', async () => {
    const index = createMemorySidIndex();
    await index.add('old', 's1', 10);
    await index.add('mixed', 's2', 10);
    await index.add('mixed', 's3', 1_000);
    index.prune((id) => id === 's3');
    expect(index.size).toBe(1);
    expect(await index.take('mixed')).toEqual(['s3']);
  });
});

describe('memory backend: the sid index follows the sessions', () => {
  const set = (b: ReturnType<typeof createMemoryBackend>, id: string, data: SessionData) => new Promise<void>((resolve) => b.store.set(id, data, () => resolve()));

  it('issue 14 item 9: an id leaves the index when its session is destroyed, expires or is pruned', async () => {
    let now = 0;
    const b = createMemoryBackend({ defaultTtlMs: 60_000, now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) {
      await set(b, id, signedIn('sid-x'));
      await b.sidIndex.add('sid-x', id, 86_400_000);
    }
    expect(b.sidIndex.ids('sid-x')).toEqual(['a', 'b', 'c', 'd']);
    b.store.destroy('a');
    b.store.destroy('b');
    expect(b.sidIndex.ids('sid-x')).toEqual(['c', 'd']);
    now = 60_000; // both expired: one is read (and found gone), the other pruned
    await new Promise<void>((resolve) => b.store.get('c', () => resolve()));
    expect(b.sidIndex.ids('sid-x')).toEqual(['d']);
    b.store.prune();
    expect(b.sidIndex.size).toBe(0);
    await b.close();
  });

  it('issue 14 item 9: 5,000 sign-ins of one Entra session leave a bounded index, and the evicted sessions are ended', async () => {
    const b = createMemoryBackend({ defaultTtlMs: 60_000, maxSessionsPerSid: 8 });
    for (let i = 0; i < 5_000; i++) {
      await set(b, `s${i}`, signedIn('sid-y'));
      await b.sidIndex.add('sid-y', `s${i}`, 86_400_000);
    }
    expect(b.sidIndex.ids('sid-y')).toEqual(Array.from({ length: 8 }, (_, k) => `s${4_992 + k}`));
    // Nothing the index let go of is still signed in: front-channel logout still reaches every session.
    expect(b.store.size).toBe(8);
    expect((await b.sidIndex.take('sid-y')).length).toBe(8);
    await b.close();
  });
});
