import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import express from 'express';
import { DEFAULT_USERS, GROUP_USERS, SAMPLE_GROUP_ID } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { requireGroup } from '../../src/auth/authorize.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ users: [...DEFAULT_USERS, ...GROUP_USERS] });
});
afterEach(async () => {
  await h.close();
});

/** The groups the app stored in this browser's session (server side), read through the store. */
async function sessionUser(browser: Browser): Promise<{ groups: string[]; groupsSource?: string }> {
  const raw = decodeURIComponent(browser.cookie(h.baseUrl, 'mha.sid')!);
  const id = raw.slice(2, raw.lastIndexOf('.'));
  const data = await new Promise<Record<string, unknown>>((resolve, reject) =>
    h.backend.store.get(id, (err, s) => (err ? reject(err) : resolve(s as unknown as Record<string, unknown>))),
  );
  return data['user'] as { groups: string[]; groupsSource?: string };
}

describe('groups claims and the overage', () => {
  it('keeps the groups of the id_token when there are few (no Graph call)', async () => {
    const browser = new Browser();
    expect((await browser.signIn(`${h.baseUrl}/auth/login`, 'G.Few')).res.status).toBe(200);
    const user = await sessionUser(browser);
    expect(user.groups).toContain(SAMPLE_GROUP_ID);
    expect(user.groupsSource).toBeUndefined();
    expect(h.emulator.hits.get('/v1.0/me/transitiveMemberOf/microsoft.graph.group') ?? 0).toBe(0);
  });

  it('reads all 250 groups from Graph (paged) when the id_token carries the overage, and keeps them in the session, not the cookie', async () => {
    const browser = new Browser();
    expect((await browser.signIn(`${h.baseUrl}/auth/login`, 'G.Many')).res.status).toBe(200);
    const user = await sessionUser(browser);
    expect(user.groups).toHaveLength(250);
    expect(user.groups).toContain(SAMPLE_GROUP_ID);
    expect(user.groupsSource).toBe('graph');
    expect(h.emulator.hits.get('/v1.0/me/transitiveMemberOf/microsoft.graph.group')).toBe(3);
    expect(browser.cookie(h.baseUrl, 'mha.sid')!.length).toBeLessThan(200);
    expect(h.logs.some((l) => l['event'] === 'signin.groups_overage' && l['groups'] === 250)).toBe(true);

    // requireGroup decides on the Graph groups like on token groups.
    const gate = requireGroup(SAMPLE_GROUP_ID);
    const app = express();
    app.get('/x', (req, res, next) => {
      (req as unknown as { session: unknown }).session = { user };
      gate(req, res, next);
    }, (_req, res) => {
      res.send('ok');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    expect((await fetch(`http://127.0.0.1:${port}/x`)).status).toBe(200);
    server.close();
  });

  it('fails closed with a clear 503 page and no session when Graph is unreachable during an overage sign-in', async () => {
    h.emulator.graphAvailable = false;
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'G.Many');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('group memberships could not be read');
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(401);
    expect(h.logs.some((l) => l['event'] === 'signin.failure' && l['reason'] === 'groups_unavailable')).toBe(true);
    // Users without the overage are not affected by a Graph outage.
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'G.Few')).res.status).toBe(200);
  });
});
