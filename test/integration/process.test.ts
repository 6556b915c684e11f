import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, startEmulator, type Emulator } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { freePort, startNode } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let emulator: Emulator;
let port: number;
beforeAll(async () => {
  port = await freePort();
  emulator = await startEmulator({
    clients: [
      {
        client_id: EMULATOR_CLIENT_ID,
        client_secret: EMULATOR_CLIENT_SECRET,
        redirect_uris: [`http://127.0.0.1:${port}/auth/callback`],
        post_logout_redirect_uris: [`http://127.0.0.1:${port}/`],
      },
    ],
  });
});
afterAll(async () => {
  await emulator.close();
});

describe('the built server process', () => {
  it('ships without the emulator', () => {
    expect(existsSync(`${ROOT}dist/server.js`)).toBe(true);
    expect(existsSync(`${ROOT}dist/dev`)).toBe(false);
  });

  it('signs B.Simon in, then drains and exits 0 on SIGTERM', async () => {
    const child = startNode(
      `${ROOT}dist/server.js`,
      {
        NODE_ENV: 'production',
        PORT: String(port),
        BASE_URL: `http://127.0.0.1:${port}`,
        ENTRA_TENANT_ID: emulator.tenantId,
        ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID,
        ENTRA_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
        ENTRA_AUTHORITY_HOST: emulator.authorityHost,
        SESSION_SECRET: 'process-test-secret-0123456789-abcdefghij',
      },
      `${ROOT}test`,
    );
    try {
      await child.waitFor('discovery loaded');
      const browser = new Browser();
      const { url, res } = await browser.signIn(`http://127.0.0.1:${port}/auth/login`);
      expect(url).toBe(`http://127.0.0.1:${port}/mha/`);
      expect(await res.text()).toContain('Welcome, B.Simon');
      // The production build does not carry the emulator.
      expect(child.stdout()).not.toContain('emulator');
      // docs/production.md: the memory store works in production, with a warning that it is one replica only.
      expect(child.stdout()).toContain('SESSION_STORE=memory: sessions live in this process only');

      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.stdout()).toContain('"msg":"stopped"');
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});
