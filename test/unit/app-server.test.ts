import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServer, initialisedBy } from '../../src/perf/app-server.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function listening(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the app server', () => {
  it("makes requests and responses with the app's own prototypes, before Express sees them", async () => {
    const app = express();
    app.get('/me', (req, res) => res.json({ path: req.path, ip: req.ip }));
    const { server, serve } = createAppServer();
    const base = await listening(server);
    serve(app);
    const seen: unknown[] = [];
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
      seen.push(req instanceof IncomingMessage, res instanceof ServerResponse);
    });
    const res = await fetch(`${base}/me?x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: '/me', ip: '127.0.0.1' });
    expect(seen).toEqual([true, true, true, true]);
  });

  it('keeps the server options (here the header size limit: 431)', async () => {
    const app = express();
    app.get('/', (_req, res) => res.send('ok'));
    const { server, serve } = createAppServer({ maxHeaderSize: 1024 });
    const base = await listening(server);
    serve(app);
    expect((await fetch(base)).status).toBe(200);
    expect((await fetch(base, { headers: { 'x-big': 'a'.repeat(2048) } })).status).toBe(431);
  });

  it('gives each server its own app: two servers, two apps, each request with its own prototypes', async () => {
    const apps = [express(), express()];
    const bases: string[] = [];
    for (const [i, app] of apps.entries()) {
      app.get('/', (req, res) => res.send(String(Object.getPrototypeOf(req) === app.request && req.app === app && i)));
      const { server, serve } = createAppServer();
      bases.push(await listening(server));
      serve(app);
    }
    expect(await (await fetch(bases[0]!)).text()).toBe('0');
    expect(await (await fetch(bases[1]!)).text()).toBe('1');
  });

  it('serves one app only', () => {
    const { serve } = createAppServer();
    serve(express());
    expect(() => serve(express())).toThrow(/already serves/);
  });
});

describe('initialisedBy', () => {
  // Node 20 and 22 make IncomingMessage and ServerResponse constructor functions; a later Node might make them
  // classes. Both forms must give an instance initialised by the base, with the prototype set afterwards.
  const proto = { kind: 'chosen prototype' };

  it('initialises from a constructor function, with the prototype given later', () => {
    function Base(this: { value?: number }, value: number) {
      this.value = value;
    }
    const Made = initialisedBy(Base as unknown as new (value: number) => { value: number });
    Made.prototype = proto;
    const made = new Made(7);
    expect(Object.getPrototypeOf(made)).toBe(proto);
    expect(made.value).toBe(7);
  });

  it('initialises from a class, which cannot be called without new', () => {
    class Base {
      readonly value: number;
      constructor(value: number) {
        this.value = value;
      }
    }
    const Made = initialisedBy(Base);
    Made.prototype = proto;
    const made = new Made(9);
    expect(Object.getPrototypeOf(made)).toBe(proto);
    expect(made.value).toBe(9);
  });
});
